"""The line a group robot posts about a report: the class (or unit), how many alerts of which
kind and severity, and where to look — never a student's name, number or phone."""

from django.conf import settings
from django.utils import translation

from .models import Report, Severity


def report_group_summary(report_id: str) -> str:
    report = (
        Report.objects.filter(pk=int(report_id))
        .select_related("category", "unit")
        .prefetch_related("students__klass")
        .first()
        if str(report_id).isdigit()
        else None
    )
    if report is None:
        return ""
    classes = sorted({s.klass.name for s in report.students.all() if s.klass_id})
    where = classes[0] + ("等" if len(classes) > 1 else "") if classes else report.unit.name
    with translation.override(settings.LANGUAGE_CODE):
        severity = str(Severity(report.severity).label)
    severity = severity.split("(")[-1].rstrip(")") if "(" in severity else severity
    return f"{where}有 1 条{report.category.name}预警（{severity}），请在守望中查看"

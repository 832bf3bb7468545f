"""Filing and resolving the rules' reports through reports' services:
`reports.services.reports_file_automatic` (bulk, one transaction, routed by the worker in
batches; one report per key, ever) and `report_resolve_automatic` (the note appended; resolved
on the record if nobody had acted, never deleted)."""

from django.utils.translation import gettext_lazy as _

from shouwang.org.models import Student, Unit
from shouwang.reports import services as report_services
from shouwang.reports.models import Report

SOURCE = "monitoring"


def file_reports(*, items: list[dict], now) -> list[Report]:
    """items: {key, category, severity, unit (code), students (学号), occurred_at, place,
    description} → the reports, in the items' order (a key filed before answers with its
    report). Runs in the caller's transaction."""
    if not items:
        return []
    units = {u.code: u for u in Unit.objects.filter(code__in={i["unit"] for i in items})}
    students = Student.objects.in_bulk(
        {no for i in items for no in i["students"]}, field_name="student_no"
    )
    report_services.reports_file_automatic(
        source=SOURCE,
        items=[
            {
                **item,
                "unit": units[item["unit"]],
                "students": [students[no] for no in item["students"]],
            }
            for item in items
        ],
        now=now,
    )
    by_key = {
        r.source_key: r
        for r in Report.objects.filter(source_key__in=[i["key"] for i in items]).only(
            "pk", "source_key"
        )
    }
    return [by_key[item["key"]] for item in items]


def unresolved(keys) -> dict[str, int]:
    """{key: report id} of the given keys' reports not resolved yet."""
    return dict(
        Report.objects.filter(source_key__in=list(keys), resolved_at__isnull=True).values_list(
            "source_key", "pk"
        )
    )


def resolve_report(*, report_id: int, note: str, now) -> None:
    report = Report.objects.get(pk=report_id)
    report_services.report_resolve_automatic(report=report, note=note, source=SOURCE, now=now)


RESOLVED_NOTE = _("Back at %(time)s (%(source)s): resolved automatically.")

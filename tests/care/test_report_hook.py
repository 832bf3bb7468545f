"""A crisis report (心理健康问题), verified true and decided, opens its students' care files; a
report of another category does not."""

import datetime

from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.care.models import CareFile
from shouwang.reports.services import report_decide, report_file, report_verify


def _report(campus, category):
    now = timezone.now()
    report = report_file(
        actor=campus.zhang,
        category=category,
        severity="general",
        unit=campus.class_a.code,
        occurred_at=now - datetime.timedelta(minutes=5),
        place="宿舍",
        description="学生情绪低落，有轻生言论",
        students=["2024010101"],
        now=now,
    )
    report = report_verify(actor=campus.admin, report=report, verdict="true", note="属实")
    return report_decide(actor=campus.admin, report=report, decision="local", note="学院处理")


def test_a_decided_crisis_report_opens_the_file(campus):
    _report(campus, "mental_health")
    file = CareFile.objects.get(student=campus.zhangsan)
    assert file.opened_via == "report"
    assert Event.objects.filter(verb="care.opened", subject_id=str(file.pk)).exists()
    _report(campus, "mental_health")  # a second report updates the same file
    assert CareFile.objects.count() == 1


def test_another_category_opens_nothing(campus):
    _report(campus, "fight")
    assert not CareFile.objects.exists()

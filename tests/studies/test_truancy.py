import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from shouwang.escalation.models import Deadline
from shouwang.escalation.sweep import deadline_sweep
from shouwang.monitoring.hooks import ON_LEAVE
from shouwang.reports.models import Report
from shouwang.studies import rules, services
from shouwang.studies.models import Attendance, TruancyCase, TruancyRule
from tests._events import capture_events

from .conftest import NOW, SHANGHAI


def absent(student, *days_ago, status="absent", course="高等数学"):
    for n in days_ago:
        Attendance.objects.create(
            student=student,
            date=NOW.date() - datetime.timedelta(days=n),
            course=course,
            status=status,
        )


@pytest.fixture
def rule(school):
    return services.truancy_rule_save(
        actor=school.chen, name="两周三次", absences=3, days=14, now=NOW
    )


def test_three_unexcused_absences_in_fourteen_days_file_one_truancy_report(school, rule, filed):
    absent(school.zhangsan, 1, 5, 13)
    absent(school.wangwu, 1, 5)  # two: not yet a streak
    absent(school.lisi, 1, 5, 14)  # the third is 15 days back: outside the window
    absent(school.lisi, 2, status="late")
    with capture_events() as events:
        cases = rules.truancy_scan(rule=rule, now=NOW)
    assert [c.student for c in cases] == [school.zhangsan]
    (item,) = filed.items
    assert filed[0][0] == "studies.truancy"
    assert item["category"] == "truancy"
    assert item["unit"] == school.class_a
    assert item["students"] == [school.zhangsan]
    assert item["key"] == f"studies.truancy:{rule.pk}:{school.zhangsan.pk}:2026-11-23"
    assert "3" in item["description"] and "2026-11-22" in item["description"]
    assert set(item) == {
        "key",
        "category",
        "severity",
        "unit",
        "students",
        "occurred_at",
        "place",
        "description",
    }
    assert events.one("studies.truancy_found").data["students"] == ["2024010101"]


def test_approved_leave_excuses_an_absence(school, rule, filed, excuses):
    absent(school.zhangsan, 1, 5, 13)
    leave_day = (NOW - datetime.timedelta(days=5)).date()
    asked = []

    def on_leave(ids, start, end):
        asked.append((set(ids), start, end))
        return {school.zhangsan.pk: ON_LEAVE} if start.date() == leave_day else {}

    excuses.append(on_leave)
    assert rules.truancy_scan(rule=rule, now=NOW) == []
    assert filed == []
    # Asked day by day, for the school's days.
    day_start = datetime.datetime.combine(leave_day, datetime.time(), tzinfo=SHANGHAI)
    assert ({school.zhangsan.pk}, day_start, day_start + datetime.timedelta(days=1)) in asked


def test_a_streak_is_reported_once_per_period_across_runs(school, rule, filed):
    absent(school.zhangsan, 1, 5, 13)
    assert len(rules.truancy_scan(rule=rule, now=NOW)) == 1
    # The same day again, and the next days with one more absence: the same period.
    assert rules.truancy_scan(rule=rule, now=NOW) == []
    absent(school.zhangsan, 0)
    assert rules.truancy_scan(rule=rule, now=NOW + datetime.timedelta(days=3)) == []
    assert len(filed.items) == 1
    # 14 days on, a new streak is a new period: reported again.
    later = NOW + datetime.timedelta(days=14)
    Attendance.objects.create(
        student=school.zhangsan, date=later.date(), course="线性代数", status="absent"
    )
    for n in (2, 4):
        Attendance.objects.create(
            student=school.zhangsan,
            date=later.date() - datetime.timedelta(days=n),
            course="线性代数",
            status="absent",
        )
    assert len(rules.truancy_scan(rule=rule, now=later)) == 1
    assert TruancyCase.objects.filter(student=school.zhangsan).count() == 2


def test_the_daily_scan_runs_on_the_engine_and_schedules_the_next(school, rule, filed):
    scan = Deadline.objects.get(kind=rules.TRUANCY_SCAN, state="open")
    assert scan.subject_id == str(rule.pk)
    # Created at 09:00: the first scan is tomorrow at 06:00.
    assert scan.due_at == datetime.datetime(2026, 11, 24, 6, 0, tzinfo=SHANGHAI)
    absent(school.zhangsan, 0, 4, 12)
    assert deadline_sweep(now=scan.due_at - datetime.timedelta(minutes=1)) == 0
    assert filed == []
    deadline_sweep(now=scan.due_at)
    assert [i["students"] for i in filed.items] == [[school.zhangsan]]
    scan.refresh_from_db()
    assert (scan.state, scan.outcome) == ("done", "1 found")
    following = Deadline.objects.get(kind=rules.TRUANCY_SCAN, state="open")
    assert following.due_at == datetime.datetime(2026, 11, 25, 6, 0, tzinfo=SHANGHAI)
    # The next morning finds the same streak already reported.
    deadline_sweep(now=following.due_at)
    assert len(filed.items) == 1


def test_an_inactive_rule_has_no_scan_and_the_auditor_restores_a_lost_one(school, rule):
    services.truancy_rule_save(
        actor=school.chen,
        rule=rule,
        name=rule.name,
        absences=3,
        days=14,
        is_active=False,
        now=NOW,
    )
    assert not Deadline.objects.filter(kind=rules.TRUANCY_SCAN, state="open").exists()
    assert rules.rules_without_scan() == []
    TruancyRule.objects.filter(pk=rule.pk).update(is_active=True)  # as a bad restore would
    assert rules.rules_without_scan() == [rule.pk]
    assert rules.rules_repair(now=NOW) == 1
    assert rules.rules_without_scan() == []


@pytest.mark.parametrize(
    "field,values",
    [
        ("absences", {"absences": 0}),
        ("days", {"days": 121}),
        ("name", {"name": " "}),
        ("severity", {"severity": "huge"}),
        ("absences", {"absences": "3"}),
    ],
)
def test_a_bad_rule_is_refused_and_nothing_written(school, field, values):
    data = {"name": "规则", "absences": 3, "days": 14, "severity": "general", **values}
    with pytest.raises(ValidationError) as exc:
        services.truancy_rule_save(actor=school.chen, now=NOW, **data)
    assert field in exc.value.error_dict
    assert not TruancyRule.objects.exists()


def test_only_student_affairs_edit_the_rules(school):
    with pytest.raises(PermissionDenied):
        services.truancy_rule_save(actor=school.zhang, name="x", absences=3, days=14, now=NOW)


def test_the_streak_is_filed_as_one_automatic_report_by_the_reports_app(school, rule):
    """No fake: the reports app files it (经常无故旷课, the student's class) and a rerun files
    nothing twice."""
    absent(school.zhangsan, 1, 5, 13)
    with transaction.atomic():
        rules.truancy_scan(rule=rule, now=NOW)
    report = Report.objects.get()
    assert (report.category.code, report.unit, report.source) == (
        "truancy",
        school.class_a,
        "studies.truancy",
    )
    assert list(report.students.all()) == [school.zhangsan]
    TruancyCase.objects.all().delete()  # even if the dedup record were lost
    with transaction.atomic():
        rules.truancy_scan(rule=rule, now=NOW)
    assert Report.objects.count() == 1

"""The night-absence and 失联 rules on the engine, with the clock passed in (no sleeps)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from shouwang.escalation.models import Deadline
from shouwang.escalation.sweep import deadline_sweep
from shouwang.monitoring import rules
from shouwang.monitoring.models import AutoReport, Rule
from shouwang.monitoring.services import round_mark, rule_save, traces_ingest
from shouwang.notify.models import Delivery
from shouwang.reports import route_sweep
from shouwang.reports import services as report_services
from shouwang.reports.models import Category, Report, ReportUpdate

from .conftest import AFTERNOON, CUTOFF, M

pytestmark = pytest.mark.django_db


def reported(category="night_absence"):
    return {
        s.student_no
        for r in Report.objects.filter(category__code=category)
        for s in r.students.all()
    }


def test_the_rule_plans_its_run_at_the_cut_off(night_rule):
    run = Deadline.objects.get(kind=rules.RULE_RUN, state="open")
    assert run.due_at == CUTOFF
    assert run.fence == night_rule.version


def test_at_the_cut_off_every_resident_not_back_is_reported_once(campus, night_rule):
    round_mark(actor=campus.liu, student=campus.zhangsan, status="present", now=CUTOFF - 20 * M)
    deadline_sweep(now=CUTOFF)
    # 王五 has no room (not a resident); 张三 was marked present by his 宿舍长.
    assert reported() == {"2024010201", "2024010104", "2024010105"}
    # The next night's run is planned; a second scan of the same night files nothing more.
    assert Deadline.objects.filter(kind=rules.RULE_RUN, state="open").count() == 1
    assert rules.scan_night(night_rule, night=CUTOFF.date(), now=CUTOFF + 5 * M) == 0
    assert AutoReport.objects.count() == 3 == Report.objects.count()


def test_an_excused_student_is_never_reported_absent_or_missing(campus, night_rule, excuse):
    excuse[campus.lisi.pk] = "on_leave"
    missing = rule_save(
        actor=campus.chen,
        kind="missing",
        name="失联",
        category="missing_student",
        severity="larger",
        hours=24,
        now=AFTERNOON,
    )
    long_ago = AFTERNOON - datetime.timedelta(hours=30)
    traces_ingest(
        actor=campus.admin,
        events=[
            {"student_no": s.student_no, "at": long_ago, "source_type": "card", "place": "食堂"}
            for s in (campus.lisi, campus.zhangsan)
        ],
        source="校园卡",
        source_type="card",
        now=AFTERNOON,
    )
    deadline_sweep(now=CUTOFF)
    assert "2024010201" not in reported()
    rules.scan_missing(missing, at=CUTOFF, now=CUTOFF)
    assert reported("missing_student") == {"2024010101"}


def test_a_late_check_in_resolves_the_report_on_the_record(campus, night_rule):
    deadline_sweep(now=CUTOFF)
    deadline_sweep(now=CUTOFF + M)  # the worker routes them
    report = Report.objects.get(students=campus.lisi)
    late = CUTOFF + 42 * M  # 23:12
    traces_ingest(
        actor=campus.admin,
        events=[{"student_no": "2024010201", "at": late, "place": "1号楼", "direction": "in"}],
        source="门禁",
        now=late,
    )
    assert Report.objects.filter(pk=report.pk).exists()  # resolved, not deleted
    row = AutoReport.objects.get(report_id=report.pk)
    assert row.resolved_at == late
    assert "23:12" in row.resolution and "门禁" in row.resolution
    assert ReportUpdate.objects.filter(report=report, text__contains="23:12").exists()
    report.refresh_from_db()
    assert report.resolved_at == late and "23:12" in report.resolution  # nobody had acted yet
    # The others stay open.
    assert AutoReport.objects.filter(resolved_at__isnull=True).count() == 3


def test_the_counsellor_gets_one_message_listing_the_nights_students(campus, night_rule):
    deadline_sweep(now=CUTOFF)
    deadline_sweep(now=CUTOFF + M)
    to_zhang = Delivery.objects.filter(recipient=campus.zhang, channel="inapp")
    assert to_zhang.count() == 1
    message = to_zhang.get().message
    assert "赵六" in message.body and "钱七" in message.body
    assert message.subject_type == "reports.digest"
    # 李四's counsellor gets his own, about 李四 alone.
    assert Delivery.objects.filter(recipient=campus.zhao, channel="inapp").count() == 1


def test_a_rule_naming_an_unknown_category_or_an_impossible_time_is_refused(campus):
    with pytest.raises(ValidationError) as exc:
        rule_save(
            actor=campus.chen,
            kind="night_absence",
            name="x",
            category="no_such",
            severity="general",
            cutoff="25:70",
        )
    assert set(exc.value.message_dict) == {"category", "cutoff"}
    assert not Rule.objects.exists()


def test_the_auditor_restores_a_lost_run(campus, night_rule):
    Deadline.objects.filter(kind=rules.RULE_RUN).delete()
    assert rules.rules_without_deadline() == [night_rule.pk]
    assert rules.rules_repair(now=AFTERNOON) == 1
    assert rules.rules_without_deadline() == []


def test_a_building_with_its_own_cut_off_is_scanned_at_its_own_time(campus, night_rule):
    own = rule_save(
        actor=campus.chen,
        kind="night_absence",
        name="1号楼 23:00",
        category="night_absence",
        severity="general",
        cutoff="23:00",
        building=campus.d01,
        now=AFTERNOON,
    )
    deadline_sweep(now=CUTOFF)
    assert reported() == set()  # D01 is the only building, and it has its own rule
    deadline_sweep(now=CUTOFF + 30 * M)
    assert len(reported()) == 4
    assert set(AutoReport.objects.values_list("rule_id", flat=True)) == {own.pk}


def test_an_edited_rule_is_replanned_and_its_old_run_does_nothing(campus, night_rule):
    edited = rule_save(
        actor=campus.chen,
        rule=night_rule,
        kind="night_absence",
        name="夜不归宿",
        category="night_absence",
        severity="general",
        cutoff="23:15",
        now=AFTERNOON + M,
    )
    runs = Deadline.objects.filter(kind=rules.RULE_RUN)
    assert runs.filter(state="cancelled").count() == 1
    assert runs.get(state="open").due_at == CUTOFF + 45 * M
    assert runs.get(state="open").fence == edited.version == 2
    deadline_sweep(now=CUTOFF)
    assert not Report.objects.exists()


def test_a_rule_whose_category_was_retired_is_refused_on_the_record_not_stuck(campus, night_rule):
    Category.objects.filter(code="night_absence").update(is_active=False)
    deadline_sweep(now=CUTOFF)
    assert not Report.objects.exists()
    assert Deadline.objects.filter(kind=rules.RULE_RUN, outcome="refused").count() == 1
    assert Deadline.objects.filter(kind=rules.RULE_RUN, state="open").count() == 1


def test_one_message_per_counsellor_whatever_the_batch_size_and_workers(campus, night_rule):
    """The scan's reports are routed a burst at a time: with batches of 1 and two workers
    taking turns, 张老师 still gets ONE message listing 赵六 and 钱七."""
    # A report a person filed before the scan keeps its own message.
    report_services.report_file(
        actor=campus.liu,
        category="night_absence",
        severity="general",
        unit=campus.r101.code,
        occurred_at=CUTOFF - 30 * M,
        place="男生1号楼",
        description="张三 晚归",
        students=[campus.zhangsan.student_no],
        now=CUTOFF - 30 * M,
    )
    before = Delivery.objects.filter(recipient=campus.zhang, channel="inapp").count()
    deadline_sweep(now=CUTOFF, max_batches=0)  # the rule's run: the scan files, nothing routed
    assert Deadline.objects.filter(kind="report_route", state="open").count() == 4
    for n in range(6):
        route_sweep.sweep_routes(CUTOFF + M, f"worker-{n % 2}", 1)
    assert not Deadline.objects.filter(kind="report_route", state="open").exists()
    to_zhang = Delivery.objects.filter(recipient=campus.zhang, channel="inapp").order_by("pk")
    assert to_zhang.count() == before + 1
    message = to_zhang.last().message
    assert message.subject_type == "reports.digest"
    assert "赵六" in message.body and "钱七" in message.body
    assert Delivery.objects.filter(recipient=campus.zhao, channel="inapp").count() == 1

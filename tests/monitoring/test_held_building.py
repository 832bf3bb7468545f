"""A building where most residents have no check-in at the cut-off has lost its data (the gate
export did not arrive), not its students: ONE report on the building, not one per student, and
a rescan an hour later that reports the students still absent once the data is in."""

import pytest

from shouwang.escalation.models import Deadline
from shouwang.escalation.sweep import deadline_sweep
from shouwang.monitoring import rules
from shouwang.monitoring.models import AutoReport
from shouwang.monitoring.services import rule_save, traces_ingest
from shouwang.org.models import Student
from shouwang.reports import route_sweep
from shouwang.reports.models import Report

from .conftest import CUTOFF, M

pytestmark = pytest.mark.django_db
H = 60 * M


@pytest.fixture
def crowded(campus, night_rule):
    """Building D01 with 28 residents (24 more in room 102)."""
    for n in range(24):
        Student.objects.create(
            student_no=f"20240199{n:02d}",
            name=f"学生{n:02d}",
            gender="M",
            klass=campus.class_a,
            dorm_room=campus.r102,
        )
    return campus


def residents():
    return list(Student.objects.filter(dorm_room__parent__code="D01").order_by("student_no"))


def came_in(campus, students, *, now):
    """The gate export: these students came in half an hour before the cut-off."""
    traces_ingest(
        actor=campus.admin,
        events=[
            {"student_no": s.student_no, "at": CUTOFF - 30 * M, "place": "1号楼", "direction": "in"}
            for s in students
        ],
        source="门禁",
        now=now,
    )


def open_runs():
    return sorted(
        Deadline.objects.filter(kind=rules.RULE_RUN, state="open").values_list("due_at", flat=True)
    )


def test_a_night_without_its_gate_data_is_one_report_on_the_building(crowded):
    deadline_sweep(now=CUTOFF)
    report = Report.objects.get()
    assert report.unit.code == "D01" and report.students.count() == 0
    assert "28" in report.description and "门禁" in report.description
    assert not AutoReport.objects.exists()
    # The rescan an hour later, and the next night's run, are on the engine.
    assert open_runs() == [CUTOFF + H, CUTOFF + 24 * H]
    route_sweep.sweep_routes(CUTOFF + M, "worker-0", 1)  # routed like the rule's others

    # The gate export arrives late: all but two came home before the cut-off.
    came_in(crowded, residents()[2:], now=CUTOFF + 20 * M)
    deadline_sweep(now=CUTOFF + H)
    reported = {
        s.student_no for r in Report.objects.exclude(pk=report.pk) for s in r.students.all()
    }
    assert reported == {s.student_no for s in residents()[:2]}
    report.refresh_from_db()
    assert report.resolved_at == CUTOFF + H  # resolved on the record, not deleted
    assert "逐一上报" in report.updates.last().text
    # The rescan planned nothing twice: only the next night's run is open.
    assert open_runs() == [CUTOFF + 24 * H]


def test_if_the_data_never_comes_the_building_report_stands_alone(crowded):
    deadline_sweep(now=CUTOFF)
    deadline_sweep(now=CUTOFF + H)
    report = Report.objects.get()
    assert report.resolved_at is None
    assert open_runs() == [CUTOFF + 24 * H]
    # A second scan of the night adds nothing either.
    rule = rules.Rule.objects.get(kind="night_absence")
    assert rules.scan_night(rule, night=CUTOFF.date(), now=CUTOFF + 2 * H) == 0
    assert Report.objects.count() == 1


def test_a_few_absent_in_a_full_building_are_reported_one_by_one(crowded):
    # 20 absent of 28 would be held; 5 absent is plausible: five reports, no building report.
    came_in(crowded, residents()[5:], now=CUTOFF - 10 * M)
    deadline_sweep(now=CUTOFF)
    assert Report.objects.count() == 5 == AutoReport.objects.count()
    assert not Report.objects.filter(unit__code="D01").exists()
    assert open_runs() == [CUTOFF + 24 * H]


def test_the_share_that_holds_a_building_is_the_rules_data(crowded, night_rule):
    # 学生处 sets 0: this school's buildings are never held, every student is reported.
    rule_save(
        actor=crowded.chen,
        rule=night_rule,
        kind="night_absence",
        name=night_rule.name,
        category="night_absence",
        severity="general",
        cutoff="22:30",
        hold_share=0,
        now=CUTOFF - H,
    )
    deadline_sweep(now=CUTOFF)
    assert Report.objects.count() == 28 == AutoReport.objects.count()
    assert not Report.objects.filter(unit__code="D01").exists()

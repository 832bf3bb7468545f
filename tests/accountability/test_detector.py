"""The detector, kind by kind, on a controlled clock: each kind is found from what the record
holds, and the case that must not be flagged is not (an honest timely report, a report
correctly escalated, a downgrade approved by the office). A rerun writes nothing."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from shouwang.accountability.detector import detector_sweep
from shouwang.accountability.models import Finding
from shouwang.accountability.selectors import (
    findings_for_incident,
    findings_for_report,
    review_facts,
)
from shouwang.accountability.services import (
    detector_run,
    finding_decide,
    finding_explain,
    limit_set,
)
from shouwang.audit.models import Event
from shouwang.escalation.sweep import deadline_sweep
from shouwang.incidents.services import arrival_record, incident_activate, situation_add
from shouwang.ops.sweeps import SWEEPS
from shouwang.reports.models import Category
from shouwang.reports.services import (
    report_acknowledge,
    report_decide,
    report_update_add,
    report_verify,
)

from .conftest import at

pytestmark = pytest.mark.django_db


def run(now):
    return detector_run(actor=None, now=now)


def kinds(kind):
    return sorted(
        (f.person.username if f.person else None) for f in Finding.objects.filter(kind=kind)
    )


def close_locally(campus, report, decider, when):
    report = report_verify(actor=decider, report=report, verdict="true", now=when)
    return report_decide(
        actor=decider, report=report, decision="local", note="学院已处理", now=when
    )


# ---- 迟报 ----------------------------------------------------------------------------------------
def test_late_report_over_the_limit_for_its_severity(campus, file_at):
    late = file_at(actor=campus.zhang, filed=at(10), occurred=at(9))  # 重大: 60 > 30 minutes
    file_at(
        actor=campus.zhang, filed=at(11), occurred=at(10, 40)
    )  # 20 minutes: timely, not flagged
    file_at(actor=campus.zhang, filed=at(12), occurred=at(10, 30), severity="general")  # 90 < 120
    assert run(at(13))["by_kind"].get("late_report") == 1
    finding = Finding.objects.get(kind="late_report")
    assert (finding.person, finding.report_id, finding.facts) == (
        campus.zhang,
        late.pk,
        {"gap_minutes": 60, "limit_minutes": 30},
    )
    filed = Event.objects.get(
        subject_type="reports.report", subject_id=str(late.pk), verb="report.filed"
    )
    assert finding.evidence == [filed.pk]


def test_the_limits_are_data_edited_by_student_affairs(campus, file_at):
    file_at(actor=campus.zhang, filed=at(12), occurred=at(10, 30), severity="general")  # 90 minutes
    run(at(13))
    assert kinds("late_report") == []
    with pytest.raises(PermissionDenied):
        limit_set(actor=campus.zhang, severity="general", minutes=60)
    with pytest.raises(ValidationError):
        limit_set(actor=campus.chen, severity="general", minutes=0)
    limit_set(actor=campus.chen, severity="general", minutes=60, now=at(13))
    run(at(13, 5))
    assert kinds("late_report") == ["zhang"]
    # A category's own limit overrides the severity's default (fights: 15 minutes, not 30).
    file_at(actor=campus.zhao, filed=at(14), occurred=at(13, 40), unit="C01-2024-2")  # 20 minutes
    run(at(14, 5))
    assert kinds("late_report") == ["zhang"]
    limit_set(
        actor=campus.chen, severity="major", minutes=15, category=Category.objects.get(code="fight")
    )
    run(at(14, 10))
    assert kinds("late_report") == ["zhang", "zhao"]


# ---- 瞒报 ----------------------------------------------------------------------------------------
def test_major_report_closed_locally_by_the_college_is_concealment(campus, file_at):
    report = file_at(actor=campus.zhang, filed=at(10))  # 重大: asks the college (step 3) first
    report_acknowledge(actor=campus.li, report=report, channel="web", now=at(10, 3))
    close_locally(campus, report, campus.li, at(10, 20))
    run(at(11))
    # The college decided; the counsellor who filed it knew too: each is named, each explains.
    assert kinds("concealed") == ["li", "zhang"]
    finding = Finding.objects.get(kind="concealed", person=campus.li)
    assert (finding.detail, finding.unit) == ("decided", campus.class_a)
    assert (
        finding.facts["required_at"] == "office:student_affairs"
        and finding.facts["reached_step"] == 3
    )
    verbs = list(Event.objects.filter(pk__in=finding.evidence).values_list("verb", flat=True))
    assert {"report.filed", "route.step_started", "report.decided"} <= set(verbs)


def test_a_downgrade_approved_by_the_office_is_not_concealment(campus, file_at):
    report = file_at(actor=campus.zhang, filed=at(10))
    report_acknowledge(actor=campus.li, report=report, channel="web", now=at(10, 3))
    close_locally(campus, report, campus.chen, at(10, 20))  # 学生处 itself decided: approved
    run(at(11))
    assert kinds("concealed") == []


def test_a_report_correctly_escalated_is_not_concealment(campus, file_at):
    report = file_at(actor=campus.zhang, filed=at(10))
    assert deadline_sweep(now=at(10, 11)) == 1  # the college did not acknowledge: 学生处 is asked
    report_acknowledge(actor=campus.chen, report=report, channel="web", now=at(10, 12))
    close_locally(campus, report, campus.li, at(10, 30))
    run(at(11))
    assert kinds("concealed") == []
    # …and the college's missed acknowledgement is on record as 未及时到位.
    assert kinds("late_arrival") == ["li"]
    missed = Finding.objects.get(kind="late_arrival")
    assert missed.detail == "ack_missed"
    assert "deadline.missed" in Event.objects.filter(pk__in=missed.evidence).values_list(
        "verb", flat=True
    )


# ---- 漏报 ----------------------------------------------------------------------------------------
def test_the_school_learning_from_the_office_is_a_missed_report_of_the_units_chain(campus, file_at):
    report = file_at(actor=campus.chen, filed=at(10), description="派出所来电：两名学生在校外斗殴")
    run(at(11))
    # The route's posts in the class's chain on the day: class teacher, counsellor, college.
    assert kinds("missed_report") == ["li", "sun", "zhang"]
    assert set(
        Finding.objects.filter(kind="missed_report").values_list("report_id", flat=True)
    ) == {report.pk}


def test_no_missed_report_when_the_chain_had_reported_it_first(campus, file_at):
    file_at(actor=campus.zhang, filed=at(9, 50), occurred=at(9, 45))
    file_at(actor=campus.chen, filed=at(10), occurred=at(9, 45))
    run(at(11))
    assert kinds("missed_report") == []


def test_public_opinion_nobody_in_the_chain_reported(campus, file_at):
    file_at(
        actor=campus.boss,
        filed=at(10),
        category="public_opinion",
        severity="larger",
        description="网上出现关于计科2024-1班的帖子",
    )
    run(at(11))
    assert "zhang" in kinds("missed_report")


# ---- 虚报/谎报 -----------------------------------------------------------------------------------
def test_verified_false_is_a_false_report(campus, file_at):
    report = file_at(actor=campus.zhang, filed=at(10))
    report_verify(
        actor=campus.chen, report=report, verdict="false", note="查无此事", now=at(10, 30)
    )
    run(at(11))
    finding = Finding.objects.get(kind="false_report")
    assert (finding.person, finding.detail) == (campus.zhang, "verified_false")


def test_casualties_materially_changed_after_verification(campus, file_at):
    changed = file_at(actor=campus.zhang, filed=at(10), people_count=2)
    honest = file_at(actor=campus.zhang, filed=at(10, 5), people_count=2)
    for r in (changed, honest):
        report_verify(actor=campus.chen, report=r, verdict="true", now=at(10, 20))
    report_update_add(
        actor=campus.chen, report=changed, text="实为八人参与", people_count=8, now=at(11)
    )
    report_update_add(
        actor=campus.chen, report=honest, text="又有一人", people_count=3, now=at(11)
    )  # small
    run(at(12))
    finding = Finding.objects.get(kind="false_report")
    assert (finding.report_id, finding.detail, finding.facts["later"]) == (
        changed.pk,
        "materially_changed",
        8,
    )


# ---- 未及时到位 ----------------------------------------------------------------------------------
def test_late_and_missing_arrival_for_on_scene_steps(campus, scene_plan):
    incident = incident_activate(
        actor=campus.chen,
        plan=scene_plan,
        level="II",
        unit=campus.class_a,
        title="食堂斗殴",
        now=at(10),
    )
    arrival_record(actor=campus.zhang, incident=incident, now=at(10, 10))  # due 10:15: on time
    run(at(10, 25))  # 学生处 (due 10:20) has not arrived
    finding = Finding.objects.get(kind="late_arrival")
    assert (finding.person, finding.detail, finding.incident_id) == (
        campus.chen,
        "arrival_missing",
        incident.pk,
    )
    assert kinds("late_arrival") == ["chen"]  # the counsellor, on time, is not flagged


def test_late_arrival(campus, scene_plan):
    incident = incident_activate(
        actor=campus.chen,
        plan=scene_plan,
        level="II",
        unit=campus.class_a,
        title="食堂斗殴",
        now=at(10),
    )
    arrival_record(actor=campus.chen, incident=incident, now=at(10, 30))
    situation_add(actor=campus.chen, incident=incident, text="现场已控制", now=at(10, 31))
    run(at(10, 40))
    late = Finding.objects.get(kind="late_arrival", person=campus.chen)
    assert late.detail == "arrival_late"
    verbs = set(Event.objects.filter(pk__in=late.evidence).values_list("verb", flat=True))
    assert "arrival.recorded" in verbs


# ---- idempotence and the decision flow -----------------------------------------------------------
def test_a_second_run_creates_no_duplicates(campus, file_at):
    file_at(actor=campus.zhang, filed=at(10), occurred=at(9))
    file_at(actor=campus.chen, filed=at(10, 5))
    first = run(at(11))
    count, events = Finding.objects.count(), Event.objects.count()
    assert first["created"] == count > 0
    assert run(at(11, 5)) == {"created": 0, "by_kind": {}}
    assert (Finding.objects.count(), Event.objects.count()) == (count, events)


def test_explain_then_decide_only_by_those_with_the_power(campus, file_at):
    file_at(actor=campus.zhang, filed=at(10), occurred=at(9))
    run(at(11))
    finding = Finding.objects.get(kind="late_report")
    with pytest.raises(PermissionDenied):
        finding_explain(actor=campus.li, finding=finding, text="不是我")
    with pytest.raises(ValidationError):
        finding_explain(actor=campus.zhang, finding=finding, text="  ")
    finding_explain(
        actor=campus.zhang, finding=finding, text="当时在处置现场，处置后立即上报", now=at(12)
    )
    before = Event.objects.count()
    with pytest.raises(PermissionDenied, match="学生处"):
        finding_decide(actor=campus.li, finding=finding, outcome="exempted", reason="情有可原")
    with pytest.raises(ValidationError):
        finding_decide(actor=campus.chen, finding=finding, outcome="exempted", reason="")
    assert Event.objects.count() == before
    finding_decide(
        actor=campus.chen,
        finding=finding,
        outcome="exempted",
        reason="先处置后报告，尽职",
        now=at(13),
    )
    finding.refresh_from_db()
    assert (finding.state, finding.decided_by, finding.explained_by) == (
        "exempted",
        campus.chen,
        campus.zhang,
    )
    verbs = list(
        Event.objects.filter(
            subject_type="accountability.finding", subject_id=str(finding.pk)
        ).values_list("verb", flat=True)
    )
    assert verbs == ["finding.detected", "finding.explained", "finding.decided"]
    with pytest.raises(ValidationError):
        finding_decide(actor=campus.chen, finding=finding, outcome="confirmed", reason="再议")


def test_the_sweep_looks_only_at_the_recent_record(campus, file_at):
    file_at(actor=campus.zhang, filed=at(10), occurred=at(9))
    assert detector_sweep(now=at(10) + datetime.timedelta(days=200)) == 0
    assert detector_sweep(now=at(11)) == 1


def test_a_report_about_another_class_does_not_count_as_the_chain_reporting_it(campus, file_at):
    file_at(actor=campus.li, filed=at(9, 50), occurred=at(9, 45), unit="C01-2024-1")
    office = file_at(actor=campus.chen, filed=at(10), occurred=at(9, 45), unit="C01-2024-2")
    run(at(11))
    assert set(
        Finding.objects.filter(kind="missed_report").values_list("report_id", flat=True)
    ) == {office.pk}


def test_findings_for_the_siblings(campus, file_at, scene_plan):
    report = file_at(actor=campus.zhang, filed=at(10), occurred=at(9))
    report = report_verify(actor=campus.chen, report=report, verdict="true", now=at(10, 1))
    incident = incident_activate(
        actor=campus.chen,
        plan=scene_plan,
        level="II",
        unit=campus.class_a,
        title="食堂斗殴",
        report=report,
        now=at(10, 2),
    )
    run(at(11))  # 迟报 (zhang) on the report; 未到场 (zhang, chen) on the incident
    kinds_seen = sorted(f["kind"] for f in findings_for_incident(campus.chen, incident))
    assert kinds_seen == ["late_arrival", "late_arrival", "late_report"]
    assert [f["kind"] for f in findings_for_report(campus.zhang, report)] == ["late_report"]
    assert findings_for_report(campus.zhao, report) == []  # out of scope
    facts = review_facts(incident)["findings"]
    assert len(facts) == 3 and all(f["events"] for f in facts)


def test_the_worker_runs_the_detector():
    assert detector_sweep in SWEEPS and detector_sweep.sweep_every_seconds == 300


def test_the_command_runs_the_detector_once(campus, file_at):
    file_at(
        actor=campus.zhang,
        filed=timezone.now(),
        occurred=timezone.now() - datetime.timedelta(hours=2),
    )
    out = io.StringIO()
    call_command("detect_accountability", stdout=out)
    assert "1 new finding(s) (late_report: 1)" in out.getvalue()
    call_command("detect_accountability", stdout=out)
    assert "0 new finding(s)" in out.getvalue() and Finding.objects.count() == 1

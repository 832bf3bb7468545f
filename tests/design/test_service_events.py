"""The exact timeline events each main service writes, in order, with the data that matters.

Each test captures what ONE call wrote (tests/_events.capture_events) and compares the whole
list of verbs, so an event added, lost or reordered by a refactor shows up here, and a refused
call must have written nothing. Clocks are explicit: `now` is passed to the services, and the
HTTP paths run on the fixed afternoon (tests/design/conftest.py), so no route depends on when
the suite runs.
"""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shouwang.api.services import token_create

# The public services under test, imported from one place: re-point them here after a move.
from shouwang.escalation.sweep import deadline_sweep
from shouwang.incidents.services import decision_record, incident_activate
from shouwang.reports.acklinks import ack_link_create
from shouwang.reports.models import Recipient
from shouwang.reports.services import (
    report_acknowledge,
    report_decide,
    report_file,
    report_severity_change,
    report_verify,
)
from tests._events import capture_events

from .conftest import AFTERNOON

pytestmark = pytest.mark.usefixtures("afternoon")

M = datetime.timedelta(minutes=1)
T0 = AFTERNOON  # 14:00 on a weekday: no night duty step in the routes


def file(w, *, actor=None, now=T0, category="night_absence", severity="general"):
    """夜不归宿 (or `category`) about 张三 in room D01-101; by the admin unless `actor`."""
    return report_file(
        actor=actor or w.admin,
        category=category,
        severity=severity,
        unit="D01-101",
        occurred_at=now - 5 * M,
        place="1号楼101室",
        description="张三22:30查寝未归",
        students=["2024010101"],
        now=now,
    )


def login(person):
    client = Client()
    client.force_login(person)
    return client


def subject_of(report):
    return ("reports.report", str(report.pk))


def subjects(events):
    return [(e.subject_type, e.subject_id) for e in events]


# ---- filing --------------------------------------------------------------------------------


def test_a_persons_report_is_filed_planned_and_the_first_level_asked(campus):
    with capture_events() as events:
        report = file(campus)
    assert events.verbs == ["report.filed", "route.planned", "route.step_started"]
    assert set(subjects(events)) == {subject_of(report)}
    filed = events.one("report.filed")
    assert filed.actor == campus.admin
    assert (filed.data["via"], filed.data["unit"], filed.data["students"]) == (
        "person",
        "D01-101",
        ["2024010101"],
    )
    planned = events.one("route.planned").data
    assert (planned["policy"], planned["start_step"]) == ("夜不归宿（一般）", 0)
    started = events.one("route.step_started")
    assert started.actor is None  # the system asks, not the reporter
    assert (started.data["step"], started.data["recipients"]) == (0, [campus.liu.pk])
    assert datetime.datetime.fromisoformat(started.data["due_at"]) == T0 + 30 * M


def test_the_reporters_own_level_is_passed_over(campus):
    # The dorm head files about her own room: asking her would only delay the counsellor.
    with capture_events() as events:
        file(campus, actor=campus.liu)
    assert events.verbs == [
        "report.filed",
        "route.planned",
        "route.reporter_level",
        "route.step_started",
    ]
    assert events.one("report.filed").actor == campus.liu
    assert events.one("route.reporter_level").data["step"] == 0
    started = events.one("route.step_started").data
    assert (started["step"], started["recipients"]) == (1, [campus.zhang.pk])


def test_a_skip_level_report_informs_each_skipped_level_then_asks(campus):
    with capture_events() as events:
        file(campus, severity="larger")  # 默认（较大）: starts at the counsellor (index 2)
    assert events.verbs == [
        "report.filed",
        "route.planned",
        "route.informed",
        "route.informed",
        "route.step_started",
    ]
    assert events.one("route.planned").data["start_step"] == 2
    informed = [
        (e.data["step"], e.data["reason"], e.data["recipients"])
        for e in events.of("route.informed")
    ]
    assert informed == [
        (0, "skipped_level", [campus.liu.pk]),
        (1, "skipped_level", [campus.sun.pk]),
    ]
    started = events.one("route.step_started").data
    assert (started["step"], started["recipients"]) == (2, [campus.zhang.pk])


def test_a_security_report_informs_the_security_office_first(campus):
    with capture_events() as events:
        file(campus, category="fight")
    assert events.verbs == ["report.filed", "route.planned", "route.informed", "route.step_started"]
    informed = events.one("route.informed").data
    assert (informed["step"], informed["reason"], informed["recipients"]) == (
        -1,
        "security",
        [campus.bao.pk],
    )


def test_a_refused_filing_writes_nothing(campus):
    with capture_events() as events, pytest.raises(ValidationError):
        report_file(
            actor=campus.zhao,
            category="night_absence",
            severity="general",
            unit="D01-101",
            occurred_at=T0 - 5 * M,
            place="1号楼101室",
            description="未归",
            students=["2024010101"],
            now=T0,
        )  # zhao's scope is the other class
    assert events == []


def test_a_tokens_report_is_only_accepted_then_the_worker_routes_it(campus):
    _token, raw = token_create(
        actor=campus.admin, name="门禁系统", unit=campus.sch, permissions=["reports.write"]
    )
    body = {
        "category": "night_absence",
        "severity": "general",
        "unit": "D01-101",
        "occurred_at": (timezone.now() - 5 * M).isoformat(),
        "place": "1号楼101室",
        "description": "门禁：张三22:30未归",
        "students": ["2024010101"],
    }
    with capture_events() as filing:
        response = Client().post(
            "/api/v1/reports",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
    assert response.status_code == 201, response.content
    assert filing.verbs == ["report.filed"]
    filed = filing.one("report.filed")
    assert (filed.actor, filed.data["via"]) == (None, "token:门禁系统")

    with capture_events() as routing:
        assert deadline_sweep(now=timezone.now() + 2 * datetime.timedelta(seconds=1)) == 1
    assert routing.verbs == ["route.planned", "route.step_started"]
    assert set(subjects(routing)) == {("reports.report", str(response.json()["id"]))}
    assert routing.one("route.step_started").data["recipients"] == [campus.liu.pk]


# ---- acknowledgement -----------------------------------------------------------------------


def test_acknowledging_writes_one_event_with_the_channel_and_step(campus):
    report = file(campus)
    with capture_events() as events:
        report_acknowledge(
            actor=campus.liu, report=report, channel="web", note="在网吧", now=T0 + 5 * M
        )
    assert events.verbs == ["report.acknowledged"]
    ack = events.one("report.acknowledged")
    assert ack.actor == campus.liu and subjects(events) == [subject_of(report)]
    assert ack.data == {
        "channel": "web",
        "note": "在网吧",
        "step": 0,
        "current_step": 0,
        "late": False,
    }


def test_someone_not_asked_cannot_acknowledge_and_nothing_is_written(campus):
    report = file(campus)
    with capture_events() as events, pytest.raises(PermissionDenied):
        report_acknowledge(actor=campus.sun, report=report, channel="web", now=T0 + 5 * M)
    assert events == []


def test_acknowledging_from_the_inbox(campus):
    report = file(campus, now=timezone.now())
    with capture_events() as events:
        response = login(campus.liu).post(
            reverse("report_ack", args=[report.pk]), {"next": "inbox"}
        )
    assert response.status_code == 302 and response.url == reverse("inbox")
    assert events.verbs == ["report.acknowledged"]
    ack = events.one("report.acknowledged")
    assert (ack.actor, ack.data["channel"], ack.data["step"]) == (campus.liu, "web", 0)


def test_acknowledging_with_the_one_tap_link(campus):
    report = file(campus, now=timezone.now())
    recipient = Recipient.objects.get(report=report, person=campus.liu, purpose="ack")
    token = ack_link_create(recipient=recipient).rstrip("/").rsplit("/", 1)[1]
    with capture_events() as events:
        response = Client().post(
            reverse("ack_link", args=[token]), {"note": "收到"}
        )  # not signed in
    assert response.status_code == 200
    assert events.verbs == ["ack_link.used", "report.acknowledged"]
    used, ack = events
    assert (used.actor, used.data) == (campus.liu, {"recipient": recipient.pk})
    assert (ack.actor, ack.data["channel"], ack.data["note"]) == (campus.liu, "link", "收到")
    assert set(subjects(events)) == {subject_of(report)}


def test_acknowledging_through_the_api(campus):
    report = file(campus, now=timezone.now())
    with capture_events() as events:
        response = login(campus.liu).post(
            f"/api/v1/reports/{report.pk}/ack",
            json.dumps({"note": "已核实"}),
            content_type="application/json",
        )
    assert response.status_code == 200, response.content
    assert events.verbs == ["report.acknowledged"]
    ack = events.one("report.acknowledged")
    assert (ack.actor, ack.data["channel"], ack.data["note"]) == (campus.liu, "api", "已核实")


def test_a_late_acknowledgement_after_the_chain_moved_on_is_a_receipt(campus):
    report = file(campus)
    deadline_sweep(now=T0 + 30 * M)  # liu missed it: zhang is asked
    report_acknowledge(actor=campus.zhang, report=report, channel="web", now=T0 + 35 * M)
    with capture_events() as events:
        report_acknowledge(actor=campus.liu, report=report, channel="web", now=T0 + 40 * M)
    assert events.verbs == ["report.receipt_recorded"]
    receipt = events.one("report.receipt_recorded").data
    assert (receipt["step"], receipt["current_step"], receipt["late"]) == (0, 1, True)


# ---- escalation ----------------------------------------------------------------------------


def test_a_missed_deadline_is_recorded_and_the_next_level_asked(campus):
    report = file(campus)
    with capture_events() as early:
        assert deadline_sweep(now=T0 + 29 * M) == 0
    assert early == []
    with capture_events() as events:
        assert deadline_sweep(now=T0 + 30 * M) == 1
    assert events.verbs == ["deadline.missed", "route.step_started", "report.escalated"]
    assert set(subjects(events)) == {subject_of(report)}
    missed = events.one("deadline.missed").data
    assert (missed["step"], missed["persons"]) == (0, [campus.liu.pk])
    assert datetime.datetime.fromisoformat(missed["due_at"]) == T0 + 30 * M
    started = events.one("route.step_started").data
    assert (started["step"], started["recipients"]) == (1, [campus.zhang.pk])
    assert events.one("report.escalated").data == {"from_step": 0, "to_step": 1}
    with capture_events() as again:
        assert deadline_sweep(now=T0 + 30 * M) == 0
    assert again == [], "a deadline is acted on once"


def test_the_last_level_missed_exhausts_the_route(campus):
    report = file(campus)
    # 夜不归宿（一般）: dorm head 30, counsellor 30, college deputy secretary 30, 学生处 leader 60.
    for minutes, asked in ((30, campus.zhang), (60, campus.li), (90, campus.chen)):
        with capture_events() as step:
            deadline_sweep(now=T0 + minutes * M)
        assert step.one("route.step_started").data["recipients"] == [asked.pk]
    with capture_events() as events:
        assert deadline_sweep(now=T0 + 150 * M) == 1
    assert events.verbs == ["deadline.missed", "route.exhausted"]
    assert events.one("deadline.missed").data["persons"] == [campus.chen.pk]
    assert events.one("route.exhausted").data == {"step": 4}
    assert set(subjects(events)) == {subject_of(report)}


def test_an_acknowledged_report_is_not_escalated(campus):
    report = file(campus)
    report_acknowledge(actor=campus.liu, report=report, channel="web", now=T0 + 5 * M)
    with capture_events() as events:
        assert deadline_sweep(now=T0 + 30 * M) == 0
    assert events == []


# ---- verification and decisions ------------------------------------------------------------


def test_verifying_and_deciding_a_report(campus):
    report = file(campus)
    with capture_events() as verified:
        report = report_verify(
            actor=campus.chen, report=report, verdict="true", note="属实", now=T0 + 10 * M
        )
    assert verified.verbs == ["report.verified"]
    assert verified.one("report.verified").data == {
        "verdict": "true",
        "note": "属实",
        "duplicate_of": None,
    }
    with capture_events() as decided:
        report_decide(
            actor=campus.chen, report=report, decision="local", note="学院处理", now=T0 + 12 * M
        )
    assert decided.verbs == ["report.decided"]
    decision = decided.one("report.decided")
    assert (decision.actor, decision.data) == (
        campus.chen,
        {"decision": "local", "note": "学院处理"},
    )


def test_a_duplicate_is_recorded_on_both_reports(campus):
    original, repeat = file(campus), file(campus, now=T0 + M)
    with capture_events() as events:
        report_verify(
            actor=campus.chen,
            report=repeat,
            verdict="duplicate",
            duplicate_of=original,
            now=T0 + 10 * M,
        )
    assert events.verbs == ["report.verified", "report.duplicate_merged"]
    assert subjects(events) == [subject_of(repeat), subject_of(original)]
    assert events.one("report.duplicate_merged").data == {"duplicate": repeat.pk, "note": ""}


def test_a_severity_change_records_whether_the_office_approved_it(campus):
    report = file(campus, category="fight", severity="major")
    with capture_events() as events:
        with pytest.raises(PermissionDenied):  # a dorm head sees it but does not verify
            report_severity_change(
                actor=campus.liu, report=report, severity="general", reason="x", now=T0 + 5 * M
            )
        with pytest.raises(ValidationError):
            report_severity_change(
                actor=campus.li, report=report, severity="general", reason="", now=T0 + 5 * M
            )
    assert events == []
    with capture_events() as college:
        report_severity_change(
            actor=campus.li, report=report, severity="larger", reason="伤情轻", now=T0 + 6 * M
        )
    assert college.verbs == ["report.severity_changed"]
    assert college.one("report.severity_changed").data == {
        "from": "major",
        "to": "larger",
        "reason": "伤情轻",
        "downgrade": True,
        "approved": False,
    }
    with capture_events() as office:
        report_severity_change(
            actor=campus.chen, report=report, severity="general", reason="核实", now=T0 + 7 * M
        )
    assert office.one("report.severity_changed").data["approved"] is True


def test_no_decision_before_verification_and_none_by_a_cadre(campus):
    report = file(campus)
    with capture_events() as events:
        with pytest.raises(ValidationError):
            report_decide(actor=campus.chen, report=report, decision="local", now=T0 + 10 * M)
        with pytest.raises(PermissionDenied):
            report_decide(actor=campus.liu, report=report, decision="local", now=T0 + 10 * M)
    assert events == []


def test_a_decision_follows_the_stored_verdict_not_a_stale_copy(campus):
    report = file(campus)
    stale = report_verify(actor=campus.chen, report=report, verdict="true", now=T0 + 5 * M)
    report_verify(actor=campus.li, report=report, verdict="false", note="误报", now=T0 + 6 * M)
    with capture_events() as events:
        with pytest.raises(ValidationError):
            report_decide(actor=campus.chen, report=stale, decision="escalate", now=T0 + 7 * M)
    assert events == []


# ---- plan activation and incident decisions ------------------------------------------------


def test_activating_a_plan_opens_assembles_and_assigns(campus):
    with capture_events() as events:
        incident = incident_activate(
            actor=campus.chen, plan=campus.plan, level="II", unit=campus.class_a, now=T0
        )
    assert events.verbs == [
        "incident.activated",
        "incident.group_assembled",
        "incident.tasks_created",
    ]
    assert set(subjects(events)) == {("incidents.incident", str(incident.pk))}
    activated = events.one("incident.activated")
    assert activated.actor == campus.chen
    assert {k: activated.data[k] for k in ("plan", "level", "unit", "report")} == {
        "plan": "test_drill",
        "level": "II",
        "unit": "C01-2024-1",
        "report": None,
    }
    seats = [
        (s["position"], s["person"]) for s in events.one("incident.group_assembled").data["seats"]
    ]
    assert seats == [
        ("head", campus.boss.pk),
        ("deputy", campus.chen.pk),
        ("member", campus.bao.pk),
        ("office", campus.chen.pk),
    ]
    tasks = [(t["step"], t["assignee"]) for t in events.one("incident.tasks_created").data["tasks"]]
    # Level II: the exam-leak step and the level-I reporting duty are left out.
    assert tasks == [
        ("contain", campus.zhang.pk),
        ("report_head", campus.chen.pk),
        ("investigate", campus.li.pk),
        ("tidy_up", campus.chen.pk),
    ]


def test_activating_a_plan_from_a_report_answers_the_reports_decision(campus):
    report = report_verify(actor=campus.chen, report=file(campus), verdict="true", now=T0 + 5 * M)
    with capture_events() as events:
        incident = incident_activate(
            actor=campus.chen,
            plan=campus.plan,
            level="II",
            unit=report.unit,
            report=report,
            now=T0 + 10 * M,
        )
    assert events.verbs == [
        "incident.activated",
        "incident.group_assembled",
        "incident.tasks_created",
        "report.plan_activated",
    ]
    assert events.one("incident.activated").data["report"] == report.pk
    plan_activated = events.one("report.plan_activated")
    assert (plan_activated.subject_type, plan_activated.subject_id) == subject_of(report)
    assert plan_activated.data == {
        "incident": incident.pk,
        "plan": "test_drill",
        "plan_title": "测试预案",
        "level": "II",
    }


def test_a_refused_activation_writes_nothing(campus):
    with capture_events() as events:
        with pytest.raises(PermissionDenied):  # a counsellor does not activate plans
            incident_activate(
                actor=campus.zhao, plan=campus.plan, level="II", unit=campus.class_b, now=T0
            )
        with pytest.raises(ValidationError):  # a report not yet verified
            incident_activate(
                actor=campus.chen,
                plan=campus.plan,
                level="II",
                unit=campus.class_a,
                report=file(campus),
                now=T0,
            )
    assert events.verbs == ["report.filed", "route.planned", "route.step_started"], (
        "only the filing inside the block wrote"
    )


def test_recording_an_incident_decision(campus):
    incident = incident_activate(
        actor=campus.chen,
        plan=campus.plan,
        level="I",
        unit=campus.class_a,
        event_type="leak",
        now=T0,
    )
    option = "启用备用试题重新印制，考试照常举行"
    with capture_events() as events:
        decision_record(
            actor=campus.boss,
            incident=incident,
            decision_id="backup_paper",
            option=option,
            reason="备用试题已封存",
            authority="校长办公会",
            now=T0 + 20 * M,
        )
    assert events.verbs == ["decision.recorded"]
    recorded = events.one("decision.recorded")
    assert (recorded.actor, recorded.subject_id) == (campus.boss, str(incident.pk))
    assert {k: recorded.data[k] for k in ("decision", "option", "free_text", "authority")} == {
        "decision": "backup_paper",
        "option": option,
        "free_text": False,
        "authority": "校长办公会",
    }


def test_a_decision_reserved_to_the_head_is_refused_to_the_deputy(campus):
    incident = incident_activate(
        actor=campus.chen, plan=campus.plan, level="I", unit=campus.class_a, now=T0
    )
    with capture_events() as events, pytest.raises(PermissionDenied):
        decision_record(
            actor=campus.chen,
            incident=incident,
            decision_id="backup_paper",
            option="终止该场考试",
            reason="泄密范围不明",
            now=T0 + 20 * M,
        )
    assert events == []

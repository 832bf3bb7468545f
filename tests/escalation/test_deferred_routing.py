"""Reports filed by an integration token are accepted in one short transaction and routed by
the worker: the same route, recipients, deadlines and messages as a person's report, as of
the time it was filed (night duty included), never lost and never routed twice."""

import datetime

from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from shouwang.api.auth import TokenAuth
from shouwang.api.services import token_create
from shouwang.audit.models import Event
from shouwang.audit.selectors import chain_verify
from shouwang.escalation.auditor import route_audit
from shouwang.escalation.models import Deadline, DutyShift
from shouwang.escalation.sweep import deadline_sweep
from shouwang.notify.models import Delivery, Message
from shouwang.reports.models import Recipient, Report
from shouwang.reports.services import report_file

from .conftest import at

M = datetime.timedelta(minutes=1)
S = datetime.timedelta(seconds=1)


def token_principal(school, name="门禁系统"):
    """The principal a request with this token gets (TokenAuth sets it on the request)."""
    _token, raw = token_create(
        actor=school.admin, name=name, unit=school.sch, permissions=["reports.write"]
    )
    return TokenAuth().authenticate(RequestFactory().post("/api/v1/reports"), raw), raw


def file_by(actor, now, api_token=None):
    return report_file(
        actor=actor,
        category="night_absence",
        severity="general",
        unit="D01-101",
        occurred_at=now - 5 * M,
        place="1号楼101室",
        description="门禁：张三22:30未归",
        students=["2024010101"],
        api_token=api_token,
        now=now,
    )


def verbs(report):
    return list(
        Event.objects.filter(subject_type="reports.report", subject_id=str(report.pk))
        .order_by("seq")
        .values_list("verb", flat=True)
    )


def asked(report):
    return sorted(
        (r.step, r.person.username, r.due_at)
        for r in Recipient.objects.filter(report=report, purpose="ack")
    )


def test_an_integrations_report_waits_for_the_worker_then_is_routed_like_a_persons(school):
    principal, _raw = token_principal(school)
    by_person = file_by(school.admin, at(14))
    by_token = file_by(principal, at(14), api_token=principal.token)
    # Accepted: stored with its students and a route deadline due now, nobody asked yet.
    assert verbs(by_token) == ["report.filed"]
    assert not Recipient.objects.filter(report=by_token).exists()
    route = Deadline.objects.get(subject_id=str(by_token.pk))
    assert (route.kind, route.state, route.due_at) == ("report_route", "open", at(14))
    assert [s.student_no for s in by_token.students.all()] == ["2024010101"]

    assert deadline_sweep(now=at(14) + 2 * S) == 1  # the person's report has nothing due
    by_token.refresh_from_db()
    assert (by_token.policy_name, by_token.route, by_token.current_step) == (
        by_person.policy_name,
        by_person.route,
        by_person.current_step,
    )
    assert verbs(by_token) == ["report.filed", "route.planned", "route.step_started"]
    # The same people asked, the acknowledgement due from when it was routed.
    assert asked(by_token) == [(0, "liu", at(14) + 2 * S + 30 * M)]
    assert [(s, p) for s, p, _due in asked(by_token)] == [(s, p) for s, p, _due in asked(by_person)]
    assert (
        Delivery.objects.filter(
            message__subject_id=str(by_token.pk),
            recipient=school.liu,
            channel="inapp",
            state="sent",
        ).count()
        == 1
    )
    route.refresh_from_db()
    assert (route.state, route.outcome) == ("done", "routed")
    assert deadline_sweep(now=at(14) + 3 * S) == 0  # routed once
    assert (
        Message.objects.filter(subject_id=str(by_token.pk), kind="report.ack_request").count() == 1
    )

    # From there it escalates like any other report.
    assert deadline_sweep(now=at(14) + 2 * S + 30 * M) == 2
    by_token.refresh_from_db()
    assert by_token.current_step == 1 and "report.escalated" in verbs(by_token)
    assert chain_verify() is None


def test_a_night_report_is_routed_to_the_duty_officer_as_of_its_filing_time(school):
    DutyShift.objects.create(unit=school.d01, date=datetime.date(2026, 11, 24), person=school.sun)
    principal, _raw = token_principal(school)
    late = file_by(principal, at(23, 59), api_token=principal.token)
    # Routed after midnight and after the shift's date changed: the night of filing decides.
    assert deadline_sweep(now=at(0, 1, day=25)) == 1
    late.refresh_from_db()
    # As filing would have routed it at 23:59: the route as written, its duty step with sun.
    assert [step["roles"] for step in late.route][2] == ["duty_officer", "deputy_secretary"]
    assert deadline_sweep(now=at(0, 59, day=25)) == 1  # dorm head and counsellor did not answer
    deadline_sweep(now=at(1, 29, day=25))
    assert [p for s, p, _d in asked(late) if s == 2] == ["li", "sun"]


def test_a_burst_is_routed_in_batches_each_report_once(school):
    principal, _raw = token_principal(school)
    reports = [file_by(principal, at(14), api_token=principal.token) for _ in range(7)]
    assert deadline_sweep(now=at(14) + S, limit=3) == 7  # batches of 3, 3 and 1
    for report in reports:
        assert verbs(report).count("route.planned") == 1
        assert [p for _s, p, _d in asked(report)] == ["liu"]
    assert Deadline.objects.filter(kind="report_route", outcome="routed").count() == 7
    assert chain_verify() is None


def test_the_auditor_brings_back_a_lost_route_deadline(school):
    principal, _raw = token_principal(school)
    report = file_by(principal, at(14), api_token=principal.token)
    Deadline.objects.filter(subject_id=str(report.pk)).delete()  # what a lost task would look like
    assert route_audit(now=at(14, 1)) == 1
    restored = Event.objects.get(subject_id=str(report.pk), verb="auditor.deadline_restored")
    assert restored.data == {"step": 0, "kind": "report_route"}
    assert deadline_sweep(now=at(14, 1)) == 1
    assert [p for _s, p, _d in asked(report)] == ["liu"]
    assert route_audit(now=at(14, 2)) == 0


def test_a_stale_look_by_the_auditor_changes_nothing(school, monkeypatch):
    # A report that got its deadline between the auditor's look and its lock (here: the look
    # is stale on purpose) keeps that deadline and gets no second one, and no event.
    from shouwang.reports import route_sweep as auditor

    principal, _raw = token_principal(school)
    report = file_by(principal, at(14), api_token=principal.token)
    assert auditor.reports_without_deadline() == []
    monkeypatch.setattr(auditor, "reports_without_deadline", lambda: [report.pk])
    before = Event.objects.count()
    assert route_audit(now=at(14, 1)) == 0
    assert Deadline.objects.filter(subject_id=str(report.pk)).count() == 1
    assert Event.objects.count() == before


def test_the_api_answers_before_routing_and_the_timeline_shows_it_after(school):
    _principal, raw = token_principal(school)
    client = Client()
    payload = {
        "category": "night_absence",
        "severity": "general",
        "unit": "D01-101",
        "occurred_at": "2026-11-24T13:55:00+08:00",
        "place": "1号楼101室",
        "description": "门禁：张三未归",
        "students": ["2024010101"],
    }
    response = client.post(
        "/api/v1/reports",
        payload,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 201, response.content
    report = Report.objects.get(pk=response.json()["id"])
    assert response.json()["ack_state"] == "waiting"
    deadline_sweep(now=report.filed_at + S)
    timeline = client.get(
        f"/api/v1/reports/{report.pk}/timeline", HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert timeline.status_code == 403  # a write-only token cannot read; a person can
    liu = Client()
    liu.force_login(school.liu)
    events = [e["verb"] for e in liu.get(f"/api/v1/reports/{report.pk}/timeline").json()]
    assert events == ["report.filed", "route.planned", "route.step_started"]


def test_a_night_burst_reads_the_roster_once(school):
    """Routing a batch costs the same queries for one report as for many, at night too (the
    roster and the holiday calendar are read once per batch, not once per report)."""
    DutyShift.objects.create(unit=school.d01, date=datetime.date(2026, 11, 24), person=school.sun)
    principal, _raw = token_principal(school)

    def queries_to_route(n, minute):
        for _ in range(n):
            file_by(principal, at(23, minute), api_token=principal.token)
        with CaptureQueriesContext(connection) as captured:
            assert deadline_sweep(now=at(23, minute) + S) == n
        return len(captured)

    assert queries_to_route(1, 10) == queries_to_route(6, 20)
    first_asked = set(
        Recipient.objects.filter(step=0, purpose="ack").values_list("person__username", flat=True)
    )
    assert first_asked == {"liu"}

"""定级调整 and 瞒报, and 虚报/谎报 on time and place (issue 15). A report's severity is
changed after filing, with a reason, by those who verify it. A downgrade by 学生处 is the
office's approval; a college's own downgrade is recorded as not approved, and once the route has
stopped short of the level the original severity required, the detector flags it as 瞒报. An
update may correct the time and place: moved materially after verification, 虚报/谎报.
Controlled clock throughout."""

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shouwang.accountability import detector
from shouwang.accountability.models import Finding
from shouwang.accountability.services import detector_run
from shouwang.audit.models import Event
from shouwang.escalation.sweep import deadline_sweep
from shouwang.incidents.services import incident_activate, situation_add
from shouwang.reports.models import Report
from shouwang.reports.services import (
    report_acknowledge,
    report_decide,
    report_severity_change,
    report_update_add,
    report_verify,
)

from .conftest import at, login

pytestmark = pytest.mark.django_db


def change(actor, report, severity, reason, now):
    return report_severity_change(
        actor=actor, report=report, severity=severity, reason=reason, now=now
    )


def update(report, now, actor=None, text="更正", **kw):
    return report_update_add(
        actor=actor or report.reporter, report=report, text=text, now=now, **kw
    )


def run(now):
    return detector_run(actor=None, now=now)


def concealed():
    return sorted(
        (f.person.username if f.person else None, f.detail)
        for f in Finding.objects.filter(kind="concealed")
    )


def changes(report):
    return list(
        Event.objects.filter(
            subject_type="reports.report", subject_id=str(report.pk), verb="report.severity_changed"
        ).values_list("data", flat=True)
    )


@pytest.fixture
def acked_by_college(campus, file_at):
    """A 重大 fight asked of the college first (step 3), acknowledged there: the route stops
    below 学生处, the level 重大 must reach."""
    report = file_at(actor=campus.zhang, filed=at(10))
    report_acknowledge(actor=campus.li, report=report, channel="web", now=at(10, 3))
    return report


# ---- the service --------------------------------------------------------------
def test_college_downgrade_is_recorded_as_not_approved(campus, acked_by_college):
    report = report_severity_change(
        actor=campus.li,
        report=acked_by_college,
        severity="general",
        reason="仅口角，未动手",
        now=at(10, 10),
    )
    assert Report.objects.get(pk=report.pk).severity == "general"
    assert changes(report) == [
        {
            "from": "major",
            "to": "general",
            "reason": "仅口角，未动手",
            "downgrade": True,
            "approved": False,
        }
    ]


def test_office_downgrade_is_recorded_as_approved(campus, acked_by_college):
    report_severity_change(
        actor=campus.chen,
        report=acked_by_college,
        severity="larger",
        reason="学生处核实：无人受伤",
        now=at(10, 10),
    )
    assert changes(acked_by_college)[0]["approved"] is True


def test_refused_and_bad_input_change_nothing(campus, acked_by_college):
    report = acked_by_college
    with pytest.raises(PermissionDenied):  # the counsellor files and sees it, but does not verify
        change(campus.zhang, report, "general", "x", at(10, 5))
    for severity, reason, field in (
        ("general", "  ", "reason"),
        ("tiny", "理由", "severity"),
        ("major", "理由", "severity"),
    ):  # the same severity: no change
        with pytest.raises(ValidationError) as exc:
            change(campus.li, report, severity, reason, at(10, 5))
        assert field in exc.value.message_dict
    assert Report.objects.get(pk=report.pk).severity == "major"
    assert changes(report) == []


# ---- 瞒报 -----------------------------------------------------------------------
def test_unapproved_downgrade_below_the_required_level_is_concealment(campus, acked_by_college):
    report_severity_change(
        actor=campus.li,
        report=acked_by_college,
        severity="general",
        reason="仅口角",
        now=at(10, 10),
    )
    assert run(at(11))["by_kind"] == {"concealed": 2}
    # Who downgraded it (and acknowledged it), and the counsellor who filed it and knew.
    assert concealed() == [("li", "downgraded"), ("zhang", "knew")]
    finding = Finding.objects.get(kind="concealed", person=campus.li)
    assert finding.facts["required_at"] == "office:student_affairs"
    assert finding.facts["severity"] == "major" and finding.facts["downgraded_to"] == "general"
    assert finding.facts["reached_step"] == 3 and finding.facts["downgraded_by"] == [campus.li.pk]
    assert "降为" in finding.summary
    verbs = set(Event.objects.filter(pk__in=finding.evidence).values_list("verb", flat=True))
    assert "report.severity_changed" in verbs
    # A rerun finds the same keys and writes nothing.
    before = Event.objects.count()
    assert run(at(11, 5))["created"] == 0
    assert Event.objects.count() == before and Finding.objects.filter(kind="concealed").count() == 2


def test_unapproved_downgrade_then_handled_locally_is_concealment(campus, acked_by_college):
    # Downgraded to 较大 (which must reach only the college), then closed there: the 重大 bound.
    report = report_severity_change(
        actor=campus.li,
        report=acked_by_college,
        severity="larger",
        reason="伤情较轻",
        now=at(10, 10),
    )
    report = report_verify(actor=campus.li, report=report, verdict="true", now=at(10, 15))
    report_decide(actor=campus.li, report=report, decision="local", now=at(10, 20))
    run(at(11))
    assert concealed() == [("li", "downgraded"), ("zhang", "knew")]


def test_approved_office_downgrade_is_not_concealment(campus, acked_by_college):
    report = report_severity_change(
        actor=campus.chen,
        report=acked_by_college,
        severity="general",
        reason="学生处核实：仅口角",
        now=at(10, 10),
    )
    report = report_verify(actor=campus.li, report=report, verdict="true", now=at(10, 15))
    report_decide(actor=campus.li, report=report, decision="local", now=at(10, 20))
    assert run(at(11))["by_kind"].get("concealed") is None
    assert concealed() == []


def test_a_college_downgrade_after_the_offices_keeps_the_offices_level(campus, acked_by_college):
    # 学生处 approved 较大 (which must reach the college: it did); the college then lowered it
    # to 一般 itself — not below what 较大 requires, so nothing to flag.
    change(campus.chen, acked_by_college, "larger", "核实", at(10, 10))
    change(campus.li, acked_by_college, "general", "轻微", at(10, 20))
    run(at(11))
    assert concealed() == []


def test_downgrade_while_the_route_still_runs_waits_for_the_route(campus, file_at):
    report = file_at(actor=campus.zhang, filed=at(10))
    change(campus.li, report, "general", "仅口角", at(10, 5))
    run(at(10, 6))  # nobody has acknowledged: the route may still reach 学生处
    assert concealed() == []
    assert deadline_sweep(now=at(10, 11)) == 1  # the college did not acknowledge: 学生处 is asked
    report_acknowledge(actor=campus.chen, report=report, channel="web", now=at(10, 12))
    run(at(11))
    assert concealed() == []  # it reached the level 重大 required


# ---- the page and the API -----------------------------------------------------
def test_the_report_page_offers_the_form_and_records_the_change(campus, acked_by_college):
    report = acked_by_college
    page = login(campus.li).get(f"/reports/{report.pk}/").content.decode()
    assert 'id="severity-change"' in page
    assert (
        'id="severity-change"'
        not in login(campus.zhang).get(f"/reports/{report.pk}/").content.decode()
    )
    url = f"/reports/{report.pk}/severity/"
    bad = login(campus.li).post(url, {"severity": "general", "reason": ""})
    assert bad.status_code == 400 and changes(report) == []
    ok = login(campus.li).post(url, {"severity": "general", "reason": "仅口角"})
    assert ok.status_code == 302
    assert Report.objects.get(pk=report.pk).severity == "general"
    timeline = login(campus.li).get(f"/reports/{report.pk}/timeline/").content.decode()
    assert "仅口角" in timeline


def api(person, report, payload):
    return login(person).post(
        f"/api/v1/reports/{report.pk}/severity",
        json.dumps(payload),
        content_type="application/json",
    )


def test_the_api_changes_the_severity_with_clear_4xx(campus, acked_by_college):
    report = acked_by_college
    assert api(campus.li, report, {"severity": "general"}).status_code == 422  # no reason
    missing = api(campus.li, report, {"severity": "tiny", "reason": "理由"})
    assert missing.status_code == 422 and "severity" in missing.json()["detail"]
    assert api(campus.zhang, report, {"severity": "general", "reason": "理由"}).status_code == 403
    assert api(campus.zhao, report, {"severity": "general", "reason": "理由"}).status_code == 404
    assert Report.objects.get(pk=report.pk).severity == "major" and changes(report) == []
    ok = api(campus.li, report, {"severity": "general", "reason": "仅口角"})
    assert ok.status_code == 200 and ok.json()["severity"] == "general"
    assert changes(report)[0]["approved"] is False


# ---- 虚报/谎报: time and place ----------------------------------------------------
def verified(campus, file_at, filed, **kw):
    report = file_at(actor=campus.zhang, filed=filed, **kw)
    return report_verify(
        actor=campus.chen, report=report, verdict="true", now=filed + dt.timedelta(minutes=10)
    )


def false_reports():
    return {f.report_id: f for f in Finding.objects.filter(kind="false_report")}


def test_occurred_time_moved_by_more_than_the_threshold_is_material(campus, file_at):
    moved = verified(campus, file_at, at(10), occurred=at(9, 50))
    near = verified(campus, file_at, at(10, 5), occurred=at(9, 55))
    update(moved, at(11), actor=campus.chen, text="实际发生于凌晨", occurred_at=at(6, 30))
    # Within MATERIAL_TIME_SHIFT (2 hours): a correction, not a misstatement.
    update(near, at(11), actor=campus.chen, text="时间略有出入", occurred_at=at(8))
    run(at(12))
    found = false_reports()
    assert list(found) == [moved.pk]
    finding = found[moved.pk]
    assert finding.detail == "materially_changed" and finding.facts["changed"] == ["occurred_at"]
    assert finding.facts["occurred_at"]["shift_minutes"] == 200
    assert "发生时间" in finding.summary
    assert run(at(12, 5))["created"] == 0  # rerun: nothing new


def test_the_threshold_is_a_named_constant(campus, file_at, monkeypatch):
    near = verified(campus, file_at, at(10, 5), occurred=at(9, 55))
    update(near, at(11), actor=campus.chen, text="时间略有出入", occurred_at=at(8))
    monkeypatch.setattr(detector.false_reports, "MATERIAL_TIME_SHIFT", dt.timedelta(hours=1))
    run(at(12))
    assert list(false_reports()) == [near.pk]


def test_a_changed_place_is_material_a_whitespace_edit_is_not(campus, file_at):
    moved = verified(campus, file_at, at(10), place="二食堂门口")
    spaced = verified(campus, file_at, at(10, 5), place="二食堂门口")
    update(moved, at(11), actor=campus.chen, text="地点有误", place="校外网吧")
    update(spaced, at(11), actor=campus.chen, text="补充", place=" 二食堂\u3000门口 ")
    run(at(12))
    found = false_reports()
    assert list(found) == [moved.pk]
    assert found[moved.pk].facts["place"] == {
        "reported": "二食堂门口",
        "later": "校外网吧",
        "source": "report_update",
    }


def test_the_incidents_situation_at_another_place_is_material(campus, file_at, scene_plan):
    report = verified(campus, file_at, at(10), place="二食堂门口")
    incident = incident_activate(
        actor=campus.chen,
        plan=scene_plan,
        level="II",
        unit=campus.class_a,
        title="食堂斗殴",
        report=report,
        now=at(10, 20),
    )
    situation_add(
        actor=campus.chen,
        incident=incident,
        text="现场在二食堂门口",
        place="二食堂 门口",
        now=at(10, 30),
    )
    run(at(10, 40))
    assert false_reports() == {}  # the same place, spaced differently
    situation_add(
        actor=campus.chen, incident=incident, text="实为校外", place="校外网吧", now=at(10, 50)
    )
    run(at(11))
    finding = false_reports()[report.pk]
    assert finding.facts["place"]["source"] == "situation" and finding.facts["changed"] == ["place"]


def test_an_update_before_verification_is_not_a_misstatement(campus, file_at):
    report = file_at(actor=campus.zhang, filed=at(10), occurred=at(9, 50))
    update(report, at(10, 5), occurred_at=at(6), place="网吧")
    report_verify(actor=campus.chen, report=report, verdict="true", now=at(10, 20))
    run(at(12))
    assert false_reports() == {}


def test_update_time_and_place_bad_input_is_refused(campus, file_at):
    report = file_at(actor=campus.zhang, filed=at(10))
    with pytest.raises(ValidationError) as exc:
        update(report, at(11), occurred_at=at(13), place="x" * 201)
    assert {"occurred_at", "place"} <= set(exc.value.message_dict)
    assert not report.updates.exists()
    response = login(campus.zhang).post(
        f"/api/v1/reports/{report.pk}/updates",
        json.dumps({"text": "更正", "occurred_at": "2026-11-24T08:00:00+08:00", "place": "三食堂"}),
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["place"] == "三食堂"
    assert report.updates.get().occurred_at == at(8)

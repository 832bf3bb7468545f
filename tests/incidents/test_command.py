"""Decisions with authority, situation, arrivals, reports upward, statements and interviews:
each refusal is a clear error that changes nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shouwang.audit.models import Event
from shouwang.incidents import services
from shouwang.incidents.models import Decision, Release
from shouwang.incidents.selectors import incident_board

from .conftest import NOW

pytestmark = pytest.mark.django_db
BACKUP = "启用备用试题重新印制，考试照常举行"


@pytest.fixture
def incident(campus):
    return services.incident_activate(
        actor=campus.chen,
        plan=campus.plan,
        level="I",
        event_type="leak",
        unit=campus.class_a,
        now=NOW,
    )


def test_the_head_records_a_head_only_decision_with_reason_and_authority(campus, incident):
    decision = services.decision_record(
        actor=campus.boss,
        incident=incident,
        decision_id="backup_paper",
        option=BACKUP,
        reason="备用卷未泄露",
        authority="请示上级主管部门后",
        now=NOW,
    )
    assert (decision.option, decision.decided_by, decision.is_free_text) == (
        BACKUP,
        campus.boss,
        False,
    )
    event = Event.objects.get(
        subject_id=str(incident.pk), subject_type="incidents.incident", verb="decision.recorded"
    )
    assert event.data["option"] == BACKUP and event.data["authority"] == "请示上级主管部门后"


@pytest.mark.parametrize("who", ["chen", "bao", "zhang", "nobody"])
def test_a_head_only_decision_is_refused_to_anyone_else(campus, incident, who):
    with pytest.raises(PermissionDenied) as refused:
        services.decision_record(
            actor=getattr(campus, who),
            incident=incident,
            decision_id="backup_paper",
            option=BACKUP,
            reason="x",
            now=NOW,
        )
    assert "组长" in str(refused.value) or "group head" in str(refused.value)
    assert not Decision.objects.exists()


def test_decision_options_come_from_the_plan_unless_it_allows_free_text(campus, incident):
    with pytest.raises(ValidationError) as bad:
        services.decision_record(
            actor=campus.boss,
            incident=incident,
            decision_id="backup_paper",
            option="推迟一周",
            reason="x",
            now=NOW,
        )
    assert "option" in bad.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        services.decision_record(
            actor=campus.boss,
            incident=incident,
            decision_id="nope",
            option=BACKUP,
            reason="x",
            now=NOW,
        )
    assert "decision_id" in unknown.value.message_dict
    with pytest.raises(ValidationError) as no_reason:
        services.decision_record(
            actor=campus.boss,
            incident=incident,
            decision_id="backup_paper",
            option=BACKUP,
            reason="  ",
            now=NOW,
        )
    assert "reason" in no_reason.value.message_dict
    assert not Decision.objects.exists()
    # "police" allows free text and any group member may record it.
    free = services.decision_record(
        actor=campus.bao,
        incident=incident,
        decision_id="police",
        option="先由保卫处处置，视情况报警",
        reason="人数少",
        now=NOW,
    )
    assert free.is_free_text is True


def test_only_the_publicity_office_publishes(campus, incident):
    draft = services.release_draft(
        actor=campus.zhang, incident=incident, title="情况通报", body="我校……", now=NOW
    )
    for who in ("zhang", "boss", "chen"):
        with pytest.raises(PermissionDenied):
            services.release_publish(
                actor=getattr(campus, who), release=draft, channel="学校官网", now=NOW
            )
    draft.refresh_from_db()
    assert draft.status == Release.Status.DRAFT
    published = services.release_publish(
        actor=campus.xuan, release=draft, channel="学校官网", now=NOW
    )
    assert (published.status, published.published_by, published.published_at) == (
        "published",
        campus.xuan,
        NOW,
    )
    with pytest.raises(ValidationError):
        services.release_publish(actor=campus.xuan, release=draft, channel="微博", now=NOW)


def test_media_requests_are_logged_and_decided_by_the_publicity_office(campus, incident):
    request = services.media_request_log(
        actor=campus.chen, incident=incident, outlet="某都市报", topic="泄题传闻", now=NOW
    )
    with pytest.raises(PermissionDenied):
        services.media_request_decide(
            actor=campus.boss, request=request, decision="accepted", now=NOW
        )
    services.media_request_decide(
        actor=campus.xuan, request=request, decision="declined", note="统一口径发布", now=NOW
    )
    request.refresh_from_db()
    assert request.decision == "declined" and request.decided_by == campus.xuan


def test_arrivals_measure_first_on_scene_and_list_who_has_not_arrived(campus, incident):
    services.arrival_record(actor=campus.bao, incident=incident, now=NOW + timedelta(minutes=7))
    with pytest.raises(ValidationError):
        services.arrival_record(actor=campus.bao, incident=incident, now=NOW + timedelta(minutes=9))
    with pytest.raises(PermissionDenied):
        services.arrival_record(actor=campus.nobody, incident=incident, now=NOW)
    board = incident_board(campus.boss, incident, now=NOW + timedelta(minutes=10))
    assert board["first_on_scene_minutes"] == 7.0
    assert campus.bao not in board["not_arrived"] and campus.boss in board["not_arrived"]
    first = Event.objects.get(
        subject_type="incidents.incident", subject_id=str(incident.pk), verb="arrival.recorded"
    )
    assert first.data == {"minutes_since_activation": 7.0, "first_on_scene": True}


def test_board_shows_overdue_tasks_and_the_latest_situation(campus, incident):
    services.situation_add(
        actor=campus.bao,
        incident=incident,
        text="现场已封控",
        people_involved=12,
        injured=0,
        trend="平稳",
        now=NOW + timedelta(minutes=5),
    )
    board = incident_board(campus.boss, incident, now=NOW + timedelta(minutes=16))
    assert {t.step_id for t in board["overdue"]} == {"contain", "report_head"}
    assert board["situation"][0].text == "现场已封控"
    with pytest.raises(ValidationError) as bad:
        services.situation_add(actor=campus.bao, incident=incident, text="", injured=-1, now=NOW)
    assert set(bad.value.message_dict) == {"text", "injured"}


def test_a_report_upward_is_recorded_and_completes_its_duty(campus, incident):
    duty = incident.tasks.get(step_id="report:authority")
    sent = NOW + timedelta(minutes=40)
    services.outbound_report_record(
        actor=campus.chen,
        incident=incident,
        recipient="",
        content="已电话报告省考试院",
        sent_at=sent,
        task=duty,
        now=sent,
    )
    duty.refresh_from_db()
    assert duty.state == "done"
    event = Event.objects.get(
        subject_type="incidents.incident",
        subject_id=str(incident.pk),
        verb="external_report.recorded",
    )
    assert (
        event.data["recipient"] == "上级教育主管部门" and event.data["sent_at"] == sent.isoformat()
    )
    with pytest.raises(ValidationError):
        services.outbound_report_record(
            actor=campus.chen,
            incident=incident,
            recipient="x",
            content="y",
            sent_at=NOW + timedelta(days=1),
            now=NOW,
        )

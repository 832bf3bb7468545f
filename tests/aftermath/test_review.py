"""The 复盘 review: started on close (7 days, the plan's office), pre-filled from the record
(times, escalations and misses, items, what other apps register as findings), edited by the
reviewers, signed off by the group head only when no section is empty, then frozen:
amendments are appended, never edits."""

from datetime import datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shouwang.aftermath import hooks, selectors, services
from shouwang.aftermath.models import SECTION_KEYS, Review, ReviewAmendment
from shouwang.audit.models import Event
from shouwang.escalation.models import Deadline
from shouwang.escalation.sweep import deadline_sweep
from shouwang.incidents import services as incidents
from shouwang.notify.models import Delivery
from shouwang.reports.services import report_file, report_verify

from .conftest import CLOSED, NOW, close_incident

pytestmark = pytest.mark.django_db


def fill(review, who, but=()):
    for key in SECTION_KEYS:
        if key not in but:
            services.review_section_save(
                actor=who, review=review, key=key, text=f"{key} 的内容", now=CLOSED
            )


def test_the_review_starts_on_close_owned_by_the_office_with_a_seven_day_deadline(campus, closed):
    review = Review.objects.get(incident=closed)
    assert review.owner == campus.chen  # the plan's 办公室 seat
    assert review.due_at == CLOSED + timedelta(days=7)
    assert (
        Deadline.objects.get(subject_type="aftermath.review", subject_id=str(review.pk)).due_at
        == review.due_at
    )
    data = selectors.review_for_incident(campus.chen, closed)
    assert [s["key"] for s in data["sections"]] == SECTION_KEYS
    assert datetime.fromisoformat(data["facts"]["closed_at"]) == CLOSED
    assert data["facts"]["activated_at"] and len(data["facts"]["aftermath_items"]) == 4
    prefilled = {s["key"] for s in data["sections"] if s["prefilled"]}
    assert {"basic", "response", "care"} <= prefilled
    assert "duty" not in prefilled and "improvement" not in prefilled
    assert selectors.review_for_incident(campus.zhao, closed) is None  # out of scope


def test_findings_registered_by_another_app_fill_the_responsibility_section(campus, monkeypatch):
    monkeypatch.setattr(
        hooks,
        "REVIEW_FACTS",
        [
            lambda incident: {
                "findings": [
                    {
                        "kind": "late_report",
                        "person": "张老师",
                        "unit": "计科2024-1班",
                        "state": "open",
                        "summary": "迟报：张老师 发生后 45 分钟上报（限 30 分钟）",
                        "events": [],
                    }
                ]
            }
        ],
    )
    incident = close_incident(campus)
    data = selectors.review_for_incident(campus.chen, incident)
    responsibility = next(s for s in data["sections"] if s["key"] == "responsibility")
    assert "迟报" in responsibility["text"] and responsibility["prefilled"]
    assert data["facts"]["findings"][0]["kind"] == "late_report"


def test_sign_off_lists_the_empty_sections_and_changes_nothing(campus, closed):
    review = Review.objects.get(incident=closed)
    fill(review, campus.chen, but=("duty", "opinion"))
    events = Event.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.review_sign_off(actor=campus.boss, review=review, now=CLOSED + timedelta(days=1))
    message = str(exc.value)
    assert (
        "Fulfilment of education and management duties" in message or "教育管理职责落实" in message
    )
    assert "Public-opinion control" in message or "舆情管控" in message
    assert "Improvements" not in message and "改进提升建议" not in message
    review.refresh_from_db()
    assert review.state == "draft" and Event.objects.count() == events


def test_only_the_group_head_signs_off(campus, closed):
    review = Review.objects.get(incident=closed)
    fill(review, campus.chen)
    for who in (campus.chen, campus.bao, campus.zhao):
        with pytest.raises(PermissionDenied):
            services.review_sign_off(actor=who, review=review, now=CLOSED)
    assert Review.objects.get(pk=review.pk).state == "draft"


def test_signed_off_reviews_are_frozen_and_amended_by_new_events(campus, closed):
    review = Review.objects.get(incident=closed)
    fill(review, campus.chen)
    signed_at = CLOSED + timedelta(days=2)
    services.review_sign_off(actor=campus.boss, review=review, now=signed_at)
    review.refresh_from_db()
    assert review.is_frozen and review.signed_by == campus.boss and review.signed_at == signed_at
    assert Deadline.objects.get(subject_type="aftermath.review").state == "cancelled"
    events = Event.objects.count()
    with pytest.raises(ValidationError):
        services.review_section_save(
            actor=campus.chen, review=review, key="basic", text="改写", now=signed_at
        )
    assert (
        review.sections.get(key="basic").text == "basic 的内容" and Event.objects.count() == events
    )
    services.review_amend(
        actor=campus.chen,
        review=review,
        section="basic",
        text="补充：伤者已出院",
        now=signed_at + timedelta(days=1),
    )
    assert review.sections.get(key="basic").text == "basic 的内容"
    assert ReviewAmendment.objects.get().text == "补充：伤者已出院"
    assert Event.objects.filter(verb="review.amended", subject_id=str(review.pk)).count() == 1
    with pytest.raises(ValidationError):
        services.review_sign_off(actor=campus.boss, review=review, now=signed_at)
    with pytest.raises(PermissionDenied):
        services.review_amend(
            actor=campus.zhao, review=review, section="basic", text="x", now=signed_at
        )


def test_amending_before_sign_off_is_refused(campus, closed):
    review = Review.objects.get(incident=closed)
    with pytest.raises(ValidationError):
        services.review_amend(
            actor=campus.chen, review=review, section="basic", text="x", now=CLOSED
        )
    assert not ReviewAmendment.objects.exists()


def test_an_unsigned_review_is_overdue_at_seven_days_and_tells_owner_and_head(campus, closed):
    review = Review.objects.get(incident=closed)
    deadline_sweep(now=review.due_at - timedelta(seconds=1))
    assert not Event.objects.filter(verb="review.overdue").exists()
    deadline_sweep(now=review.due_at)
    told = set(
        Delivery.objects.filter(message__kind="aftermath.review_overdue").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"chen", "boss"}
    review.refresh_from_db()
    assert review.overdue_at == review.due_at


def test_a_review_signed_in_time_is_not_overdue(campus, closed):
    review = Review.objects.get(incident=closed)
    fill(review, campus.chen)
    services.review_sign_off(actor=campus.boss, review=review, now=CLOSED + timedelta(days=6))
    deadline_sweep(now=review.due_at + timedelta(days=1))
    assert not Event.objects.filter(verb="review.overdue").exists()


def test_bad_section_key_and_over_long_text_are_refused(campus, closed):
    review = Review.objects.get(incident=closed)
    with pytest.raises(ValidationError):
        services.review_section_save(
            actor=campus.chen, review=review, key="nope", text="x", now=CLOSED
        )
    with pytest.raises(ValidationError):
        services.review_section_save(
            actor=campus.chen, review=review, key="duty", text="长" * 20_001, now=CLOSED
        )
    with pytest.raises(PermissionDenied):
        services.review_section_save(
            actor=campus.zhao, review=review, key="duty", text="x", now=CLOSED
        )
    assert review.sections.get(key="duty").text == ""


def test_the_review_is_prefilled_with_the_reports_times_escalations_and_misses(campus):
    report = report_file(
        actor=campus.zhang,
        category="fight",
        severity="major",
        unit="C01-2024-1",
        occurred_at=NOW - timedelta(minutes=20),
        place="二食堂",
        description="两名学生斗殴",
        now=NOW,
    )
    deadline_sweep(now=NOW + timedelta(hours=2))  # nobody acknowledges: misses, escalations
    misses = Event.objects.filter(verb="deadline.missed", subject_id=str(report.pk)).count()
    assert misses > 0
    report = report_verify(
        actor=campus.chen, report=report, verdict="true", note="属实", now=NOW + timedelta(hours=2)
    )
    at = NOW + timedelta(hours=2, minutes=5)
    incident = incidents.incident_activate(
        actor=campus.chen, plan=campus.plan, level="II", unit=campus.class_a, report=report, now=at
    )
    incidents.arrival_record(actor=campus.bao, incident=incident, now=at + timedelta(minutes=9))
    for task in incident.tasks.filter(mandatory=True):
        incidents.task_complete(
            actor=campus.chen, task=task, note="完成", now=at + timedelta(minutes=30)
        )
    incidents.incident_close(
        actor=campus.chen, incident=incident, summary="完毕", now=at + timedelta(hours=1)
    )
    facts = Review.objects.get(incident=incident).facts

    def when(key):
        return datetime.fromisoformat(facts[key])

    assert when("occurred_at") == NOW - timedelta(minutes=20) and when("reported_at") == NOW
    assert when("first_on_scene_at") == at + timedelta(minutes=9)
    assert facts["first_on_scene_by"] == "鲍科长"
    assert len(facts["misses"]) == misses and facts["misses"][0]["names"]
    response = Review.objects.get(incident=incident).sections.get(key="response").text
    assert "未及时确认" in response or "Not acknowledged in time" in response


def test_reading_the_record_again_brings_later_findings_and_keeps_edited_sections(
    campus, closed, monkeypatch
):
    review = Review.objects.get(incident=closed)
    services.review_section_save(
        actor=campus.chen, review=review, key="basic", text="我们写的基本情况", now=CLOSED
    )
    monkeypatch.setattr(
        hooks,
        "REVIEW_FACTS",
        [
            lambda incident: {
                "findings": [
                    {
                        "kind": "late_arrival",
                        "summary": "未及时到位：辅导员到场晚 40 分钟",
                        "events": [],
                    }
                ]
            }
        ],
    )
    services.review_refresh_facts(actor=campus.chen, review=review, now=CLOSED + timedelta(days=1))
    review.refresh_from_db()
    assert review.facts["findings"][0]["kind"] == "late_arrival"
    assert "未及时到位" in review.sections.get(key="responsibility").text
    assert review.sections.get(key="basic").text == "我们写的基本情况"
    with pytest.raises(PermissionDenied):
        services.review_refresh_facts(actor=campus.zhao, review=review, now=CLOSED)

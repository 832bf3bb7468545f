"""The psych centre's interview of each flagged student, on the one deadline engine: a
reminder three days before it is due, then overdue → the psych centre's head; recording the
interview (date, outcome) meets it. The clock is passed to the sweep."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shouwang.escalation.models import Deadline
from shouwang.escalation.sweep import deadline_sweep
from shouwang.notify.models import Delivery, Message
from shouwang.screening import services
from shouwang.screening.models import Interview
from tests._events import capture_events

from .conftest import GOOD_UPI, T0, csv_bytes

pytestmark = pytest.mark.usefixtures("clock")
DAY = datetime.timedelta(days=1)


@pytest.fixture
def imported(campus):
    rnd = services.round_request(
        actor=campus.wu,
        term="2026秋季学期",
        instrument="upi",
        held_on=datetime.date(2026, 11, 20),
        data=csv_bytes(GOOD_UPI),
        filename="upi.csv",
        now=T0,
    )
    assert services.round_import(round_id=rnd.pk, now=T0) == "imported"
    return Interview.objects.get(student=campus.zhangsan)


def _told(person, kind):
    """How many messages of `kind` reached the person (on any channel)."""
    rows = Delivery.objects.filter(recipient=person, message__kind=kind)
    return rows.values("message").distinct().count()


def test_reminder_then_overdue_to_the_psych_centre_head(campus, imported):
    due = imported.due_at
    with capture_events() as events:
        deadline_sweep(now=due - 4 * DAY)
    assert events.verbs == []
    with capture_events() as events:
        deadline_sweep(now=due - 3 * DAY + datetime.timedelta(minutes=1))
    assert events.verbs == ["screening.interview_reminded"] * 2
    # One message for the batch, not one per student: a round's interviews fall due together.
    assert _told(campus.wu, "screening.interview_reminder") == 1
    reminder = Message.objects.get(kind="screening.interview_reminder")
    assert " 2 " in reminder.title and "张三" not in reminder.title + reminder.body
    with capture_events() as events:
        deadline_sweep(now=due + datetime.timedelta(minutes=1))
    assert events.verbs == ["screening.interview_overdue"] * 2
    overdue = [e for e in events if e.subject_id == str(imported.pk)][0]
    assert overdue.data["escalated_to"] == [campus.zhou.pk]
    assert _told(campus.zhou, "screening.interview_overdue") == 1
    imported.refresh_from_db()
    assert imported.overdue_at == due + datetime.timedelta(minutes=1)
    with capture_events() as events:
        deadline_sweep(now=due + 2 * DAY)  # once: the engine claimed each row
    assert events.verbs == []


def test_recording_the_interview_meets_it(campus, imported):
    with capture_events() as events:
        services.interview_record(
            actor=campus.wu,
            interview=imported,
            held_on="2026-11-24",
            outcome="follow_up",
            note="情绪稳定，约定下周再谈",
            now=T0,
        )
    assert events.verbs == ["screening.interview_recorded"]
    assert set(events[0].data) == {"interview", "round", "student", "held_on", "late"}
    imported.refresh_from_db()
    assert (imported.state, imported.outcome, imported.recorded_by) == (
        "done",
        "follow_up",
        campus.wu,
    )
    assert not Deadline.objects.filter(
        subject_type="screening.interview", subject_id=str(imported.pk), state="open"
    ).exists()
    with capture_events() as events:
        deadline_sweep(now=imported.due_at + DAY)
    # Only the other student's interview is reminded and goes overdue.
    assert len(events) == 2 and str(imported.pk) not in {e.subject_id for e in events}


def test_only_the_psych_centre_records_and_bad_input_changes_nothing(campus, imported):
    with pytest.raises(PermissionDenied):
        services.interview_record(
            actor=campus.chen, interview=imported, held_on="2026-11-24", outcome="follow_up"
        )
    for held_on, outcome in (("2026-11-01", "follow_up"), ("2026-11-25", "x"), ("bad", "")):
        with pytest.raises(ValidationError):
            services.interview_record(
                actor=campus.wu, interview=imported, held_on=held_on, outcome=outcome, now=T0
            )
    imported.refresh_from_db()
    assert imported.state == "open"
    services.interview_record(
        actor=campus.zhou, interview=imported, held_on="2026-11-24", outcome="referral", now=T0
    )
    with pytest.raises(ValidationError):
        services.interview_record(
            actor=campus.wu, interview=imported, held_on="2026-11-24", outcome="referral", now=T0
        )

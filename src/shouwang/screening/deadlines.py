"""Interviews on the deadline engine: a reminder to the psych centre three days before one is
due; when it is overdue, the psych centre's head is told — once, because the engine claims
each Deadline row with compare-and-set in the transaction that records the event.

Messages name the student (the psych centre needs that to act) but no score or flag."""

from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.care.recipients import psych_heads, psych_people
from shouwang.notify.services import message_send

from .models import Interview
from .services import INTERVIEW_SUBJECT


def lock_interview(subject_id):
    # SKIP LOCKED: an interview being recorded right now is looked at next tick.
    return (
        Interview.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("student", "round")
        .filter(pk=subject_id)
        .first()
    )


def _send(interview, kind, title, people, now):
    message_send(
        subject_type=INTERVIEW_SUBJECT,
        subject_id=interview.pk,
        kind=kind,
        title=title,
        body=_("Screening %(term)s: record the interview once held.")
        % {"term": interview.round.term},
        url=f"/screening/interviews/{interview.pk}/",
        recipients=list({p.pk: p for p in people}.values()),
        now=now,
    )


def interview_remind(deadline, interview, now):
    if interview.state != Interview.State.OPEN:
        return "superseded"
    people = psych_people(now)
    due = timezone.localtime(interview.due_at).strftime("%Y-%m-%d %H:%M")
    _send(
        interview,
        "screening.interview_reminder",
        _("[Interview due %(due)s] %(student)s (%(no)s)")
        % {"due": due, "student": interview.student.name, "no": interview.student.student_no},
        people,
        now,
    )
    event_record(
        actor=None,
        subject=interview,
        verb="screening.interview_reminded",
        at=now,
        data={"interview": interview.pk, "student": interview.student_id, "to": len(people)},
    )
    return "reminded"


def interview_overdue(deadline, interview, now):
    if interview.state != Interview.State.OPEN:
        return "superseded"
    heads = psych_heads(now)
    interview.overdue_at = now
    interview.save(update_fields=["overdue_at"])
    _send(
        interview,
        "screening.interview_overdue",
        _("[Overdue] screening interview of %(student)s (%(no)s)")
        % {"student": interview.student.name, "no": interview.student.student_no},
        heads,
        now,
    )
    event_record(
        actor=None,
        subject=interview,
        verb="screening.interview_overdue",
        at=now,
        data={
            "interview": interview.pk,
            "student": interview.student_id,
            "due_at": interview.due_at.isoformat(),
            "escalated_to": [p.pk for p in heads],
        },
    )
    return "escalated"

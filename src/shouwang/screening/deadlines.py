"""Interviews on the deadline engine: a reminder to the psych centre three days before they are
due; when they are overdue, the psych centre's head is told — once, because the engine's claim
(compare-and-set) and the act commit in one transaction.

A round's interviews fall due together (a large school flags thousands): they are swept in
batches, and each batch sends ONE message to each person ("12 screening interviews due …",
linking to the open interviews) instead of one per student, and records one event per
interview. Messages name no student, score or flag."""

import uuid
from collections import defaultdict

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import batched_events, event_record
from shouwang.care.recipients import psych_heads, psych_people
from shouwang.escalation.sweep import claim_done, deadlines_outcome, due_window
from shouwang.notify.services import message_send

from .models import Interview
from .services import INTERVIEW_OVERDUE, INTERVIEW_REMIND

LIST_URL = "/screening/interviews/"


def _lock_and_claim(kind, now, worker_id, limit):
    """In the caller's transaction: lock up to `limit` interviews of the due window that nobody
    else holds (an interview being recorded is looked at next tick), and claim their
    deadlines. → ({interview id: interview}, [claimed deadlines])"""
    due = due_window(kind, now, limit)
    if not due:
        return {}, []
    interviews = {
        str(i.pk): i
        for i in Interview.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in={int(s) for _pk, s in due})
        .order_by("pk")[:limit]
    }
    token = f"{worker_id}:{uuid.uuid4().hex[:12]}"
    return interviews, claim_done([pk for pk, s in due if s in interviews], token=token, now=now)


def _digest(kind, title, people, now):
    message_send(
        subject_type="screening.interviews",
        subject_id=timezone.localdate(now).isoformat(),
        kind=kind,
        title=title,
        body=_("Open the list of screening interviews and record each one once held."),
        url=LIST_URL,
        recipients=list({p.pk: p for p in people}.values()),
        now=now,
    )


def sweep_reminders(now, worker_id, limit) -> int:
    with transaction.atomic(), batched_events():
        interviews, claimed = _lock_and_claim(INTERVIEW_REMIND, now, worker_id, limit)
        if not claimed:
            return 0
        outcomes, due = defaultdict(list), []
        for deadline in claimed:
            interview = interviews[deadline.subject_id]
            if interview.state != Interview.State.OPEN:
                outcomes["superseded"].append(deadline.pk)
                continue
            outcomes["reminded"].append(deadline.pk)
            due.append(interview)
        if due:
            people = psych_people(now)
            first = timezone.localtime(min(i.due_at for i in due)).strftime("%Y-%m-%d %H:%M")
            _digest(
                "screening.interview_reminder",
                _("[Due %(due)s] %(n)d screening interviews still to hold")
                % {"due": first, "n": len(due)},
                people,
                now,
            )
            for interview in due:
                event_record(
                    actor=None,
                    subject=interview,
                    verb="screening.interview_reminded",
                    at=now,
                    data={"interview": interview.pk, "student": interview.student_id},
                )
        deadlines_outcome(outcomes)
    return len(claimed)


def sweep_overdue(now, worker_id, limit) -> int:
    with transaction.atomic(), batched_events():
        interviews, claimed = _lock_and_claim(INTERVIEW_OVERDUE, now, worker_id, limit)
        if not claimed:
            return 0
        outcomes, late = defaultdict(list), []
        for deadline in claimed:
            interview = interviews[deadline.subject_id]
            if interview.state != Interview.State.OPEN:
                outcomes["superseded"].append(deadline.pk)
                continue
            outcomes["escalated"].append(deadline.pk)
            late.append(interview)
        if late:
            heads = psych_heads(now)
            Interview.objects.filter(pk__in=[i.pk for i in late]).update(overdue_at=now)
            _digest(
                "screening.interview_overdue",
                _("[Overdue] %(n)d screening interviews not held in time") % {"n": len(late)},
                heads,
                now,
            )
            for interview in late:
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
        deadlines_outcome(outcomes)
    return len(claimed)

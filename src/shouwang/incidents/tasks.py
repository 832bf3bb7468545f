"""Incident tasks on the deadline engine: a reminder to the owner before a task is due, and
when it is overdue, the group head is told — once, because the engine claims each Deadline
row with compare-and-set in the transaction that records the event."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.notify.services import message_send

from .models import Incident, Task

TASK_REMIND = "task_remind"
TASK_OVERDUE = "task_overdue"


def reminder_lead(time_left: timedelta) -> timedelta | None:
    """A third of the time given, at most 10 minutes; none for tasks due within 3 minutes."""
    if time_left < timedelta(minutes=3):
        return None
    return min(timedelta(minutes=10), time_left / 3)


def lock_task(subject_id):
    # SKIP LOCKED as for reports: a task being completed right now is looked at next tick.
    return (
        Task.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("incident", "assignee")
        .filter(pk=subject_id)
        .first()
    )


def _still_open(task):
    return task.state == Task.State.OPEN and task.incident.status == Incident.Status.OPEN


def _send(task, kind, title, people, now):
    people = list({p.pk: p for p in people}.values())  # the owner may be the head too
    message_send(
        subject_type="incidents.incident",
        subject_id=task.incident_id,
        kind=kind,
        title=title,
        body=task.instructions[:500],
        url=f"/incidents/{task.incident_id}/",
        recipients=people,
        now=now,
    )


def task_remind(deadline, task, now):
    if not _still_open(task):
        return "superseded"
    due = timezone.localtime(task.due_at).strftime("%H:%M")
    _send(
        task,
        "incident.task_reminder",
        _("[Due at %(due)s] %(task)s") % {"due": due, "task": task.title},
        [task.assignee],
        now,
    )
    event_record(
        actor=None,
        subject=task.incident,
        verb="task.reminded",
        at=now,
        data={"task": task.pk, "title": task.title, "assignee": task.assignee_id},
    )
    return "reminded"


def task_overdue(deadline, task, now):
    if not _still_open(task):
        return "superseded"
    heads = [m.person for m in task.incident.group.filter(position="head").select_related("person")]
    task.overdue_at = now
    task.save(update_fields=["overdue_at"])
    _send(
        task,
        "incident.task_overdue",
        _("[Overdue] %(task)s — owner %(owner)s")
        % {"task": task.title, "owner": task.assignee.display_name},
        heads + [task.assignee],
        now,
    )
    event_record(
        actor=None,
        subject=task.incident,
        verb="task.overdue",
        at=now,
        data={
            "task": task.pk,
            "title": task.title,
            "assignee": task.assignee_id,
            "due_at": task.due_at.isoformat(),
            "escalated_to": [p.pk for p in heads],
        },
    )
    return "escalated"

"""The engine's acts on care deadlines (registered in CareConfig.ready): `lock_task`,
`act_task_remind`, `act_task_overdue`, `lock_key_list`, `act_key_list_overdue`; and the
auditor: `tasks_without_deadline` finds open tasks that lost their overdue deadline,
`tasks_repair` puts it back."""

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.escalation.models import Deadline
from shouwang.escalation.services import deadlines_schedule
from shouwang.notify.services import message_send

from .. import permissions, recipients
from ..models import KeyList, Task
from .common import KEY_LIST_SUBJECT, TASK_OVERDUE, TASK_SUBJECT, task_url

# ---- the engine's acts (registered in CareConfig.ready) ------------------------------------


def lock_task(subject_id):
    return (
        Task.objects.select_for_update()
        .select_related("file__student__klass")
        .filter(pk=int(subject_id), done_at__isnull=True, cancelled_at__isnull=True)
        .first()
    )


def _task_told(task, *, kind, title, body, people, verb, now):
    """A task's message to `people` and its event on the file (the remind and overdue acts)."""
    message_send(
        subject_type=TASK_SUBJECT,
        subject_id=task.pk,
        kind=kind,
        title=title,
        body=body % {"due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")},
        url=task_url(task),
        recipients=people,
        now=now,
    )
    event_record(
        actor=None,
        subject=task.file,
        verb=verb,
        data={"task": task.code, "task_id": task.pk},
        at=now,
    )


def act_task_remind(deadline, task, now):
    _task_told(
        task,
        kind="care.task_remind",
        title=_("Care task due soon"),
        body=_("A care-file task is due at %(due)s."),
        people=recipients.task_people(task.file, task.role, now),
        verb="care.task_reminded",
        now=now,
    )
    return "reminded"


def act_task_overdue(deadline, task, now):
    task.overdue_at = now
    task.save(update_fields=["overdue_at"])
    doers = set(recipients.task_people(task.file, task.role, now))
    leaders = set(recipients.escalation_people(task.file, now)) - doers
    readers = doers | {p for p in leaders if permissions.access_reason(p, task.file, now)}
    _task_told(
        task,
        kind="care.task_overdue",
        title=_("Care task overdue"),
        body=_("A care-file task was due at %(due)s and is not done."),
        people=sorted(readers, key=lambda p: p.pk),
        verb="care.task_overdue",
        now=now,
    )
    # The college's deputy secretary reads a file only by a grant: their link is the college's
    # list of overdue tasks (class, task, who must act), which they may open.
    others = sorted(leaders - readers, key=lambda p: p.pk)
    if others:
        message_send(
            subject_type=TASK_SUBJECT,
            subject_id=task.pk,
            kind="care.task_overdue",
            title=_("Care task overdue in your college"),
            body=_(
                "A care-file task of class %(klass)s was due at %(due)s and is not done. The "
                "list shows who must act; the file itself opens only with a grant from the "
                "psychological centre."
            )
            % {
                "klass": task.file.student.klass.name,
                "due": timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M"),
            },
            url="/care/overdue/",
            recipients=others,
            now=now,
        )
    return "overdue"


def lock_key_list(subject_id):
    return (
        KeyList.objects.select_for_update()
        .filter(pk=int(subject_id), acknowledged_at__isnull=True)
        .first()
    )


def act_key_list_overdue(deadline, key_list, now):
    key_list.overdue_at = now
    key_list.save(update_fields=["overdue_at"])
    people = {key_list.receiver, key_list.produced_by, *recipients.psych_heads(now)}
    message_send(
        subject_type=KEY_LIST_SUBJECT,
        subject_id=key_list.pk,
        kind="care.key_list_overdue",
        title=_("Key-student list not acknowledged"),
        body=_("The key-student list of %(term)s has not been acknowledged.")
        % {"term": key_list.term},
        url=f"/care/key-lists/{key_list.pk}/",
        recipients=sorted(people, key=lambda p: p.pk),
        now=now,
    )
    event_record(actor=None, subject=key_list, verb="care.key_list_overdue", at=now)
    return "overdue"


# ---- the auditor (a task must have its overdue deadline until it is done or overdue) --------


def tasks_without_deadline() -> list[int]:
    live = Deadline.objects.filter(
        kind=TASK_OVERDUE,
        subject_type=TASK_SUBJECT,
        subject_id=Cast(OuterRef("pk"), CharField()),
        state__in=[Deadline.State.OPEN, Deadline.State.CLAIMED],
    )
    return list(
        Task.objects.filter(
            done_at__isnull=True, cancelled_at__isnull=True, overdue_at__isnull=True
        )
        .filter(~Exists(live))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def tasks_repair(*, now, **kwargs) -> int:
    """Put back the overdue deadline of an open task that lost it (and say so on its file)."""
    repaired = 0
    for pk in tasks_without_deadline():
        with transaction.atomic():
            task = lock_task(pk)
            if task is None or task.overdue_at is not None:
                continue
            deadlines_schedule(
                deadlines=[
                    {
                        "kind": TASK_OVERDUE,
                        "subject_type": TASK_SUBJECT,
                        "subject_id": task.pk,
                        "due_at": max(task.due_at, now),
                    }
                ],
                now=now,
            )
            event_record(
                actor=None,
                subject=task.file,
                verb="care.task_deadline_restored",
                data={"task": task.code, "task_id": task.pk},
                at=now,
            )
            repaired += 1
    return repaired

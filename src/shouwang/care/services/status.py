"""休学 / 复学 requests from a care file: `care_status_request` (who works on the file asks;
a task on the engine, 学生处 told without the file) and `care_status_request_decide`
(学生处 / 教务处 carry it out through org.services.student_status_set, or decline it)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.escalation.services import deadlines_cancel, deadlines_schedule
from shouwang.notify.services import message_send
from shouwang.org.models import Student
from shouwang.org.permissions import can_set_student_status
from shouwang.org.services import student_status_set

from .. import permissions, recipients, tiers
from ..models import CareFile, Entry, Task
from .common import (
    MAX_NOTE,
    MAX_REASON,
    STATUS_REQUESTS_URL,
    TASK_SUBJECT,
    _clean_text,
    _file_event,
    file_url,
)
from .tier_tasks import _task_deadlines


def care_status_request(*, actor, file, change: str, reason: str, now=None) -> Task:
    """Ask 学生处 / 教务处 for 休学 (the file in the severe or disorder tier, the student
    enrolled) or 复学 (the student suspended). Who works on the file asks; the reason stays in
    the file's encrypted history. 学生处 are told, and see on their page the class, the student
    and the change, not the file. One request open per file."""
    now = now or timezone.now()
    if not permissions.may_work_on(actor, file, now):
        raise PermissionDenied
    errors: dict = {}
    kind = tiers.STATUS_CHANGES.get(change)
    if kind is None:
        errors["change"] = [_("Choose 休学 or 复学.")]
    reason = _clean_text(reason, limit=MAX_NOTE, field="reason", required=True, errors=errors)
    if errors:
        raise ValidationError(errors)
    assert kind is not None
    with transaction.atomic():
        file = CareFile.objects.select_for_update().select_related("student__klass").get(pk=file.pk)
        status = Student.objects.filter(pk=file.student_id).values_list("status", flat=True)[0]
        if status != tiers.STATUS_FROM[kind.code]:
            raise ValidationError(
                {
                    "change": [
                        _("The student's status is %(s)s.") % {"s": Student.Status(status).label}
                    ]
                }
            )
        if change == "suspend" and file.tier not in tiers.SUSPEND_TIERS:
            raise ValidationError(
                {"change": [_("休学 is asked for in the severe or the disorder tier.")]}
            )
        codes = [k.code for k in tiers.STATUS_CHANGES.values()]
        waiting = file.tasks.filter(code__in=codes, done_at__isnull=True, cancelled_at__isnull=True)
        if waiting.exists():
            raise ValidationError({"change": [_("A 休学 or 复学 request is already waiting.")]})
        task = Task.objects.create(
            file=file,
            tier=file.tier,
            code=kind.code,
            role=kind.role,
            requested_by=actor,
            due_at=now + kind.within,
            created_at=now,
        )
        deadlines_schedule(deadlines=_task_deadlines([task], now), now=now)
        Entry.objects.create(
            file=file, kind=Entry.Kind.STATUS, actor=actor, at=now, text=f"{kind.title}\n{reason}"
        )
        _file_event(actor, file, "care.status_requested", now, task=kind.code, task_id=task.pk)
        people = recipients.status_people(now)
        if people:
            message_send(
                subject_type=TASK_SUBJECT,
                subject_id=task.pk,
                kind="care.status_request",
                title=_("休学/复学 request to carry out"),
                # Over SMS and work chats: the class, not the student, and no reason.
                body=_("A student of class %(klass)s: %(change)s, requested by %(who)s.")
                % {
                    "klass": file.student.klass.name,
                    "change": kind.title,
                    "who": actor.display_name,
                },
                url=STATUS_REQUESTS_URL,
                recipients=people,
                now=now,
            )
    return task


def care_status_request_decide(*, actor, task, approve: bool, note: str = "", now=None) -> Task:
    """学生处 / 教务处 carry a request out (the student's status changes through
    org.services.student_status_set, in this transaction) or decline it, saying why. The note
    goes into the file's encrypted history; those who work on the file are told."""
    now = now or timezone.now()
    if not can_set_student_status(actor):
        raise PermissionDenied
    errors: dict = {}
    note = _clean_text(note, limit=MAX_REASON, field="note", required=not approve, errors=errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        task = (
            Task.objects.select_for_update()
            .select_related("file__student__klass")
            .filter(pk=task.pk, role=tiers.STATUS_ROLE)
            .first()
        )
        if task is None:
            raise Http404
        if task.done_at or task.cancelled_at:
            raise ValidationError({"task": [_("This request is already closed.")]})
        file, kind = task.file, tiers.task_kind(task.code)
        title = str(kind.title) if kind else task.code
        if approve:
            student_status_set(
                actor=actor,
                student=file.student,
                status=tiers.STATUS_TARGET[task.code],
                # The reason stays in care: org's event keeps only its length.
                reason=note or title,
                now=now,
            )
            task.done_at, task.done_by = now, actor
            outcome, verb = "done", "care.status_done"
            text = _("%(change)s: carried out") % {"change": title}
        else:
            task.cancelled_at, task.done_by = now, actor
            outcome, verb = "declined", "care.status_declined"
            text = _("%(change)s: declined") % {"change": title}
        task.note = note
        task.save(update_fields=["done_at", "cancelled_at", "done_by", "note"])
        deadlines_cancel(subject_type=TASK_SUBJECT, subject_id=task.pk, now=now, outcome=outcome)
        Entry.objects.create(
            file=file,
            kind=Entry.Kind.STATUS,
            actor=actor,
            at=now,
            text=text + (f"\n{note}" if note else ""),
        )
        _file_event(actor, file, verb, now, task=task.code, task_id=task.pk)
        people = recipients.class_people(file, now)
        if task.requested_by_id and task.requested_by not in people:
            people.append(task.requested_by)
        message_send(
            subject_type="care.carefile",
            subject_id=file.pk,
            kind="care.status_decided",
            title=_("休学/复学 request answered"),
            body=_("A request on a care file you look after was answered."),
            url=file_url(file),
            recipients=people,
            now=now,
        )
    return task

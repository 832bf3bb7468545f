"""Tiers and their tasks (R-CARE-5): `care_tier_change` raises a file's tier (the new tier's
tasks, each with a reminder and an overdue deadline; optionally the crisis plan) or lowers it
(the tasks of the tiers left are cancelled); `care_task_complete` closes a task (with the
signed scan where the task needs one). The module is not `tiers`: `care/tiers.py` holds the
tiers' definitions."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.escalation.services import deadlines_cancel, deadlines_schedule
from shouwang.incidents.services import incident_activate
from shouwang.notify.services import message_send
from shouwang.plans.models import Plan
from shouwang.reports.attachments import check_upload

from .. import permissions, recipients, tiers
from ..models import TIER_ORDER, CareFile, Entry, Task, Tier
from .common import (
    MAX_NOTE,
    TASK_OVERDUE,
    TASK_REMIND,
    TASK_SUBJECT,
    _clean_text,
    _file_event,
    file_url,
)
from .files import _attachment_store


def _task_deadlines(tasks, now):
    rows = []
    for task in tasks:
        remind_at = now + (task.due_at - now) * tiers.REMIND_AT
        rows.append(
            {
                "kind": TASK_REMIND,
                "subject_type": TASK_SUBJECT,
                "subject_id": task.pk,
                "due_at": remind_at,
            }
        )
        rows.append(
            {
                "kind": TASK_OVERDUE,
                "subject_type": TASK_SUBJECT,
                "subject_id": task.pk,
                "due_at": task.due_at,
            }
        )
    return rows


def care_tier_change(
    *, actor, file, tier: str, reason: str = "", activate_plan: bool = False, now=None
) -> list[Task]:
    """Raise or lower a file's tier (R-CARE-5). Raising creates the new tier's tasks, each a
    Deadline (reminder, then overdue → the college's deputy secretary and the psych centre's
    head), and can activate the psychological-crisis plan at the matching level. Lowering is
    the psych centre's (others: PermissionDenied); it cancels the open tasks of the tiers left.
    Returns the tasks created."""
    now = now or timezone.now()
    if tier not in Tier.values:
        raise ValidationError({"tier": [_("Choose one of the tiers.")]})
    errors: dict = {}
    reason = _clean_text(reason, limit=MAX_NOTE, field="reason", errors=errors)
    if errors:
        raise ValidationError(errors)
    before = file.tier
    if tier == before:
        raise ValidationError({"tier": [_("The file is already in this tier.")]})
    raising = TIER_ORDER[tier] > TIER_ORDER[before]
    allowed = permissions.may_raise if raising else permissions.may_lower
    if not allowed(actor, file, now):
        raise PermissionDenied
    given = file
    with transaction.atomic():
        file = CareFile.objects.select_for_update().select_related("student__klass").get(pk=file.pk)
        if file.tier != before:
            raise ValidationError({"tier": [_("The tier changed meanwhile; reload the page.")]})
        file.tier = tier
        file.tier_since = now
        file.fence += 1
        file.updated_at = now
        file.save(update_fields=["tier", "tier_since", "fence", "updated_at"])
        # The caller's copy follows (a page or an import acting again on the same object).
        given.tier, given.tier_since, given.fence, given.updated_at = tier, now, file.fence, now
        Entry.objects.create(
            file=file,
            kind=Entry.Kind.TIER,
            actor=actor,
            at=now,
            text=f"{Tier(before).label} → {Tier(tier).label}" + (f"\n{reason}" if reason else ""),
        )
        created: list[Task] = []
        if raising:
            existing = set(
                file.tasks.filter(done_at__isnull=True, cancelled_at__isnull=True).values_list(
                    "code", flat=True
                )
            )
            for kind in tiers.TASKS[tier]:
                if kind.code in existing:
                    continue
                created.append(
                    Task.objects.create(
                        file=file,
                        tier=tier,
                        code=kind.code,
                        role=kind.role,
                        due_at=now + kind.within,
                        created_at=now,
                    )
                )
            if created:
                deadlines_schedule(deadlines=_task_deadlines(created, now), now=now)
        else:
            keep = {
                k.code
                for t, ks in tiers.TASKS.items()
                if TIER_ORDER[t] <= TIER_ORDER[tier]
                for k in ks
            }
            # A 休学 request needs the tier it was asked in; a 复学 request outlives the crisis.
            keep.add(tiers.STATUS_CHANGES["reinstate"].code)
            if tier in tiers.SUSPEND_TIERS:
                keep.add(tiers.STATUS_CHANGES["suspend"].code)
            for task in file.tasks.filter(done_at__isnull=True, cancelled_at__isnull=True):
                if task.code not in keep:
                    task.cancelled_at = now
                    task.save(update_fields=["cancelled_at"])
                    deadlines_cancel(
                        subject_type=TASK_SUBJECT,
                        subject_id=task.pk,
                        now=now,
                        outcome="tier_lowered",
                    )
        _file_event(
            actor,
            file,
            "care.tier_changed",
            now,
            before=before,
            after=tier,
            tasks=[t.code for t in created],
        )
        if created:
            _notify_task_holders(file, created, now)
        if raising and activate_plan and tier in tiers.PLAN_LEVELS:
            plan = Plan.objects.filter(code=tiers.PLAN_CODE).first()
            if plan is None:
                raise ValidationError({"activate_plan": [_("The crisis plan is not installed.")]})
            incident = incident_activate(
                actor=actor,
                plan=plan,
                level=tiers.PLAN_LEVELS[tier],
                unit=file.student.klass,
                # The incident is seen by its whole command group: the class, never the name.
                title=_("Psychological crisis · %(unit)s") % {"unit": file.student.klass.name},
                now=now,
            )
            _file_event(actor, file, "care.plan_activated", now, incident_id=incident.pk)
    return created


def _notify_task_holders(file, tasks, now):
    people = set()
    for task in tasks:
        people |= set(recipients.task_people(file, task.role, now))
    if people:
        message_send(
            subject_type="care.carefile",
            subject_id=file.pk,
            kind="care.tasks",
            title=_("Care file tasks to do"),
            # The message names no student and no tier: the page behind the link checks access.
            body=_("%(n)d task(s) are due on a care file you look after.") % {"n": len(tasks)},
            url=file_url(file),
            recipients=sorted(people, key=lambda p: p.pk),
            now=now,
        )


def care_task_complete(*, actor, task, note: str = "", upload=None, now=None) -> Task:
    now = now or timezone.now()
    file = task.file
    if not permissions.may_work_on(actor, file, now):
        raise PermissionDenied
    if task.role == tiers.STATUS_ROLE:
        raise ValidationError(
            {"task": [_("学生处 carries out a 休学 or 复学 request on its status-request page.")]}
        )
    errors: dict = {}
    note = _clean_text(note, limit=MAX_NOTE, field="note", errors=errors)
    kind = tiers.task_kind(task.code)
    if kind is not None and kind.needs_scan and upload is None:
        errors["upload"] = [_("Upload the scan of the signed handover.")]
    facts = None
    if upload is not None:
        try:
            facts = check_upload(upload)
        except ValidationError as exc:
            errors["upload"] = exc.messages
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        task = Task.objects.select_for_update().get(pk=task.pk)
        if task.done_at or task.cancelled_at:
            raise ValidationError({"task": [_("This task is already closed.")]})
        if facts is not None:
            task.attachment = _attachment_store(actor, file, upload, facts, now)
        task.done_at = now
        task.done_by = actor
        task.note = note
        task.save(update_fields=["done_at", "done_by", "note", "attachment"])
        deadlines_cancel(subject_type=TASK_SUBJECT, subject_id=task.pk, now=now, outcome="done")
        Entry.objects.create(
            file=file,
            kind=Entry.Kind.TASK,
            actor=actor,
            at=now,
            text=str(kind.title) if kind else task.code,
        )
        _file_event(actor, file, "care.task_done", now, task=task.code, task_id=task.pk)
    return task

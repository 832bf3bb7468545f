"""Every write to the care ledger. Each checks permission and records its timeline event in the
same transaction; no event carries a file's content (risk factors, notes, diagnoses, screening
details): events name the file, the student's record id and the actor, and what kind of change.
"""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shouwang import bounds
from shouwang.audit.services import batched_events, event_record
from shouwang.escalation.models import Deadline
from shouwang.escalation.services import deadlines_cancel, deadlines_schedule
from shouwang.incidents.services import incident_activate
from shouwang.notify.services import message_send
from shouwang.org.models import Student
from shouwang.org.permissions import can_set_student_status
from shouwang.org.services import student_status_set
from shouwang.plans.models import Plan
from shouwang.reports.attachments import check_upload, safe_name

from . import permissions, recipients, tiers
from .models import (
    TIER_ORDER,
    Attachment,
    BreakGlass,
    CareFile,
    Entry,
    Grant,
    KeyList,
    Task,
    Tier,
    Via,
    Watch,
)

MAX_NOTE = 5000
MAX_REASON = 500
MAX_GRANT_DAYS = 30
KEY_LIST_ACK_DAYS = 3

TASK_REMIND = "care_task_remind"
TASK_OVERDUE = "care_task_overdue"
KEY_LIST_ACK = "care_key_list_ack"
TASK_SUBJECT = "care.task"
KEY_LIST_SUBJECT = "care.keylist"


STATUS_REQUESTS_URL = "/care/status-requests/"


def file_url(file) -> str:
    return f"/care/files/{file.pk}/"


def task_url(task) -> str:
    """Where a task is done: a 休学/复学 request on 学生处's page (they cannot open the file)."""
    return STATUS_REQUESTS_URL if task.role == tiers.STATUS_ROLE else file_url(task.file)


def _clean_text(value, *, limit, field, required=False, errors=None):
    text = (value or "").strip()
    if required and not text:
        errors[field] = [_("This field is required.")]
    elif len(text) > limit:
        errors[field] = [_("Keep it to %(n)d characters.") % {"n": limit}]
    return text


def _clean_factors(values, errors):
    codes = list(dict.fromkeys(values or ()))
    unknown = [c for c in codes if c not in tiers.risk_factor_codes()]
    if unknown:
        errors["risk_factors"] = [
            _("Unknown risk factor: %(codes)s.") % {"codes": "、".join(map(str, unknown))}
        ]
    return codes


def _clean_screening(screening, errors):
    if screening is None:
        return None
    if not isinstance(screening, dict) or len(str(screening)) > MAX_NOTE:
        errors["screening"] = [_("The screening result is not a small mapping.")]
        return None
    return screening


def _json(value) -> Any:
    """A JSON value for an encrypted JSON column (the type stubs see the TextField below it)."""
    return value


def _file_event(actor, file, verb, now, **data):
    event_record(
        actor=actor, subject=file, verb=verb, data={"student_id": file.student_id, **data}, at=now
    )


# ---- opening and updating ------------------------------------------------------------------


def care_file_open_or_update(
    *, actor, student, via, risk_factors=(), screening=None, note="", now=None
) -> CareFile:
    """Open the student's care file, or add to the one they have (R-CARE-1).

    `via` is a Via value: counsellor / psych (the person must be the student's counsellor or
    class teacher, or the psych centre), screening (the screening import, ABOVE care, checks its
    own permission: the actor is who ran it), report (a crisis report's decision; the actor is
    who decided). Risk factors are merged (codes of risk_factors.yaml); the screening result
    replaces the last one and is kept in the history; the note is added to the history.
    One student of `care_files_open_or_update`: one code path for one file and for many.
    """
    item = {
        "student": student,
        "via": via,
        "risk_factors": risk_factors,
        "screening": screening,
        "note": note,
    }
    return care_files_open_or_update(actor=actor, items=[item], now=now)[0]


BATCH = 1000  # rows per bulk statement (and students per lookup of their files)


def _clean_item(actor, item, now):
    via, student = item["via"], item["student"]
    if via not in Via.values:
        raise ValueError(f"unknown care file origin {via!r}")
    if via in (Via.COUNSELLOR, Via.PSYCH) and not permissions.may_open_for(actor, student, now):
        raise PermissionDenied
    errors: dict = {}
    codes = _clean_factors(item.get("risk_factors") or (), errors)
    screening = _clean_screening(item.get("screening"), errors)
    note = _clean_text(item.get("note"), limit=MAX_NOTE, field="note", errors=errors)
    if errors:
        raise ValidationError(errors)
    return student, via, codes, screening, note


def care_files_open_or_update(*, actor, items, now=None) -> list[CareFile]:
    """`care_file_open_or_update` for many students at once (a screening round's flagged
    students): each item is {student, via, risk_factors=(), screening=None, note=""} with the
    single call's meaning, permission and validation. All or nothing: the first item refused
    raises (PermissionDenied / ValidationError) before anything is written. The files are read
    in one locked query per BATCH students; new files, changed files and entries are written in
    bulk; one event per item, in the items' order, appended together. An item repeating a
    student adds to the file an earlier item opened. Returns the files in the items' order."""
    now = now or timezone.now()
    cleaned = [_clean_item(actor, item, now) for item in items]
    if not cleaned:
        return []
    person = actor if getattr(actor, "pk", None) else None
    with transaction.atomic(), batched_events():
        files: dict[int, CareFile] = {}
        ids = list(dict.fromkeys(c[0].pk for c in cleaned))
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            for found in CareFile.objects.select_for_update().filter(student_id__in=chunk):
                files[found.student_id] = found
        new: list[CareFile] = []
        changed: dict[int, CareFile] = {}
        entries: list[Entry] = []
        done: list[tuple[CareFile, bool, str, int]] = []
        for student, via, codes, screening, note in cleaned:
            file = files.get(student.pk)
            opened = file is None
            if file is None:
                file = CareFile(
                    student=student,
                    opened_via=via,
                    opened_by=person,
                    opened_at=now,
                    tier_since=now,
                    updated_at=now,
                    risk_factors=codes,
                    screening=_json(screening or {}),
                )
                files[student.pk] = file
                new.append(file)
                mine = [Entry(file=file, kind=Entry.Kind.OPENED, actor=person, at=now, text="")]
            else:
                added = [c for c in codes if c not in file.risk_factors]
                file.risk_factors = file.risk_factors + added
                if screening is not None:
                    file.screening = screening
                file.updated_at = now
                if file.pk is not None:  # not one this batch opens (that is inserted as it ends)
                    changed[file.pk] = file
                mine = []
            if screening is not None:
                mine.append(
                    Entry(
                        file=file,
                        kind=Entry.Kind.SCREENING,
                        actor=person,
                        at=now,
                        text=_screening_text(screening),
                    )
                )
            if note:
                mine.append(Entry(file=file, kind=Entry.Kind.NOTE, actor=person, at=now, text=note))
            if not opened and not mine:
                mine.append(Entry(file=file, kind=Entry.Kind.UPDATED, actor=person, at=now))
            entries.extend(mine)
            done.append((file, opened, via, len(file.risk_factors)))
        CareFile.objects.bulk_create(new, batch_size=BATCH)
        if changed:
            CareFile.objects.bulk_update(
                list(changed.values()),
                ["risk_factors", "screening", "updated_at"],
                batch_size=BATCH,
            )
        # The entries name their file's new id (set by bulk_create above) as they are saved.
        Entry.objects.bulk_create(entries, batch_size=BATCH)
        for file, opened, via, count in done:
            _file_event(
                actor,
                file,
                "care.opened" if opened else "care.updated",
                now,
                via=via,
                risk_factor_count=count,
            )
    return [files[c[0].pk] for c in cleaned]


def _screening_text(screening: dict) -> str:
    return "; ".join(f"{k}: {v}" for k, v in sorted(screening.items(), key=lambda kv: str(kv[0])))


def care_note_add(*, actor, file, text: str, now=None) -> Entry:
    now = now or timezone.now()
    if not permissions.may_work_on(actor, file, now):
        raise PermissionDenied
    errors: dict = {}
    text = _clean_text(text, limit=MAX_NOTE, field="text", required=True, errors=errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        entry = Entry.objects.create(
            file=file, kind=Entry.Kind.NOTE, actor=actor, at=now, text=text
        )
        _file_event(actor, file, "care.note_added", now)
    return entry


def care_diagnosis_set(*, actor, file, diagnosis: str, now=None) -> CareFile:
    now = now or timezone.now()
    if not permissions.is_psych_centre(actor, now):
        raise PermissionDenied
    errors: dict = {}
    diagnosis = _clean_text(diagnosis, limit=MAX_NOTE, field="diagnosis", errors=errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        file.diagnosis = diagnosis
        file.updated_at = now
        file.save(update_fields=["diagnosis", "updated_at"])
        _file_event(actor, file, "care.diagnosis_set", now)
    return file


def care_owner_set(*, actor, file, owner, now=None) -> CareFile:
    """The dedicated owner (包保人): a person who may read the file by need-to-know."""
    now = now or timezone.now()
    if not permissions.may_work_on(actor, file, now):
        raise PermissionDenied
    if owner is not None and permissions.access_reason(owner, file, now) != permissions.NEED:
        raise ValidationError(
            {
                "owner": [
                    _(
                        "The owner must be the student's counsellor, class teacher or the "
                        "psychological centre."
                    )
                ]
            }
        )
    with transaction.atomic():
        before = file.owner_id
        file.owner = owner
        file.updated_at = now
        file.save(update_fields=["owner", "updated_at"])
        Entry.objects.create(
            file=file,
            kind=Entry.Kind.OWNER,
            actor=actor,
            at=now,
            text=owner.display_name if owner else "",
        )
        _file_event(actor, file, "care.owner_changed", now, before=before, after=file.owner_id)
    return file


def care_key_flag_set(*, actor, file, flagged: bool, now=None) -> CareFile:
    now = now or timezone.now()
    if not permissions.is_psych_centre(actor, now):
        raise PermissionDenied
    with transaction.atomic():
        file.key_flag = bool(flagged)
        file.updated_at = now
        file.save(update_fields=["key_flag", "updated_at"])
        Entry.objects.create(file=file, kind=Entry.Kind.FLAG, actor=actor, at=now)
        _file_event(actor, file, "care.key_flag_set", now, flagged=file.key_flag)
    return file


# ---- tiers ---------------------------------------------------------------------------------


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


# ---- 休学 / 复学 requests -----------------------------------------------------------------


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
        if file.tasks.filter(code__in=codes, done_at__isnull=True, cancelled_at__isnull=True):
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


# ---- attachments ---------------------------------------------------------------------------


def _attachment_store(actor, file, upload, facts, now):
    upload.seek(0)
    data = upload.read()
    attachment = Attachment.objects.create(
        file=file,
        name=safe_name(upload.name),
        content_type=facts.get("content_type", "application/octet-stream"),
        size=len(data),
        content=data,
        uploaded_by=actor,
        uploaded_at=now,
    )
    Entry.objects.create(
        file=file, kind=Entry.Kind.ATTACHMENT, actor=actor, at=now, text=attachment.name
    )
    _file_event(actor, file, "care.attachment_added", now, attachment_id=attachment.pk)
    return attachment


def care_attachment_add(*, actor, file, upload, now=None) -> Attachment:
    now = now or timezone.now()
    if not permissions.may_work_on(actor, file, now):
        raise PermissionDenied
    try:
        facts = check_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"upload": exc.messages}) from None
    with transaction.atomic():
        return _attachment_store(actor, file, upload, facts, now)


# ---- supervision roster --------------------------------------------------------------------


def care_watch_add(*, actor, file, watcher: str, starts_at, ends_at, now=None) -> Watch:
    now = now or timezone.now()
    if not permissions.may_work_on(actor, file, now):
        raise PermissionDenied
    errors: dict = {}
    watcher = _clean_text(watcher, limit=50, field="watcher", required=True, errors=errors)
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        problem = bounds.implausible_time(value) if value else _("This field is required.")
        if problem:
            errors[name] = [problem]
    if not errors and ends_at <= starts_at:
        errors["ends_at"] = [_("The shift must end after it starts.")]
    if not errors and ends_at - starts_at > datetime.timedelta(days=2):
        errors["ends_at"] = [_("A shift lasts at most 48 hours.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        watch = Watch.objects.create(
            file=file, watcher=watcher, starts_at=starts_at, ends_at=ends_at, added_by=actor
        )
        _file_event(actor, file, "care.watch_added", now, watch_id=watch.pk)
    return watch


# ---- grants and break-glass ----------------------------------------------------------------


def care_grant_create(*, actor, file, grantee, days: int, reason: str, now=None) -> Grant:
    now = now or timezone.now()
    if not permissions.may_grant(actor):
        raise PermissionDenied
    errors: dict = {}
    reason = _clean_text(reason, limit=MAX_REASON, field="reason", required=True, errors=errors)
    if not isinstance(days, int) or not 1 <= days <= MAX_GRANT_DAYS:
        errors["days"] = [_("A grant lasts from 1 to %(n)d days.") % {"n": MAX_GRANT_DAYS}]
    if grantee is None or not grantee.is_active:
        errors["grantee"] = [_("Choose an active person.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        grant = Grant.objects.create(
            file=file,
            grantee=grantee,
            granted_by=actor,
            reason=reason,
            starts_at=now,
            expires_at=now + datetime.timedelta(days=days),
        )
        _file_event(
            actor,
            file,
            "care.grant_created",
            now,
            grantee_id=grantee.pk,
            expires_at=grant.expires_at.isoformat(),
        )
    return grant


def care_grant_revoke(*, actor, grant, now=None) -> Grant:
    now = now or timezone.now()
    if not permissions.may_grant(actor):
        raise PermissionDenied
    with transaction.atomic():
        if grant.revoked_at is None:
            grant.revoked_at = now
            grant.save(update_fields=["revoked_at"])
            _file_event(actor, grant.file, "care.grant_revoked", now, grantee_id=grant.grantee_id)
    return grant


def care_break_glass(*, actor, file, reason: str, now=None) -> BreakGlass:
    """A school-wide role opens a file it has no need-to-know for, stating why: the psych
    centre's head is told at once, and the opening is listed for review."""
    now = now or timezone.now()
    if not permissions.may_break_glass(actor, file, now):
        raise PermissionDenied
    errors: dict = {}
    reason = _clean_text(reason, limit=MAX_REASON, field="reason", required=True, errors=errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        glass = BreakGlass.objects.create(
            file=file,
            actor=actor,
            reason=reason,
            at=now,
            until=permissions.break_glass_until(now),
        )
        _file_event(actor, file, "care.break_glass", now, break_glass_id=glass.pk)
        heads = recipients.psych_heads(now)
        message_send(
            subject_type="care.breakglass",
            subject_id=glass.pk,
            kind="care.break_glass",
            title=_("Care file opened by break-glass"),
            body=_("%(person)s opened a care file by break-glass; review it.")
            % {"person": actor.display_name or actor.get_username()},
            url="/care/break-glass/",
            recipients=heads,
            now=now,
        )
    return glass


def care_break_glass_review(*, actor, glass, note: str = "", now=None) -> BreakGlass:
    now = now or timezone.now()
    if not permissions.may_review_break_glass(actor):
        raise PermissionDenied
    errors: dict = {}
    note = _clean_text(note, limit=MAX_REASON, field="note", errors=errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        glass = BreakGlass.objects.select_for_update().get(pk=glass.pk)
        if glass.reviewed_at is not None:
            raise ValidationError({"note": [_("This opening was already reviewed.")]})
        glass.reviewed_by = actor
        glass.reviewed_at = now
        glass.review_note = note
        glass.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
        _file_event(actor, glass.file, "care.break_glass_reviewed", now, break_glass_id=glass.pk)
    return glass


# ---- reads (every one is an event) -----------------------------------------------------------


def care_read_record(*, actor, file, via: str, why: str, now=None, detail=None) -> None:
    """A read of a file — page, api, export, attachment — on the timeline: who, which, why."""
    now = now or timezone.now()
    with transaction.atomic():
        _file_event(actor, file, "care.read", now, via=via, why=why, **(detail or {}))


def care_list_read_record(*, actor, token=None, file_ids, via: str, now=None) -> None:
    """A list of files read (the care home, the API's list): which files, by whom."""
    now = now or timezone.now()
    with transaction.atomic():
        event_record(
            actor=actor,
            subject=("care.list", token.pk if token is not None else actor.pk),
            verb="care.list_read",
            data={"via": via, "count": len(file_ids), "file_ids": list(file_ids)[:500]},
            at=now,
        )


def care_read_refused(*, actor, subject, via: str, now=None) -> None:
    """An attempt without need-to-know: logged, then 404."""
    now = now or timezone.now()
    with transaction.atomic():
        event_record(
            actor=actor, subject=subject, verb="care.read_refused", data={"via": via}, at=now
        )


# ---- key-student list ----------------------------------------------------------------------


def key_list_produce(*, actor, term: str, starts_on, ends_on, receiver, now=None) -> KeyList:
    """The semester's key students (tier ≥ severe, or flagged) for 保卫处 / the police liaison;
    the receiver must acknowledge it (a Deadline)."""
    now = now or timezone.now()
    if not permissions.may_produce_key_list(actor):
        raise PermissionDenied
    errors: dict = {}
    term = _clean_text(term, limit=40, field="term", required=True, errors=errors)
    for name, value in (("starts_on", starts_on), ("ends_on", ends_on)):
        if value is None:
            errors[name] = [_("This field is required.")]
        else:
            try:
                bounds.check_date(value)
            except ValidationError as exc:
                errors[name] = exc.messages
    if not errors and ends_on < starts_on:
        errors["ends_on"] = [_("The semester must end after it starts.")]
    if receiver is None or not receiver.is_active:
        errors["receiver"] = [_("Choose an active person.")]
    if errors:
        raise ValidationError(errors)
    files = (
        CareFile.objects.filter_key()
        .select_related("student__klass__parent__parent", "owner")
        .order_by("student__klass__path", "student__student_no")
    )
    rows = [
        {
            "student_no": f.student.student_no,
            "name": f.student.name,
            "class": f.student.klass.name,
            "tier": f.tier,
            "owner": f.owner.display_name if f.owner else "",
        }
        for f in files
    ]
    with transaction.atomic():
        key_list = KeyList.objects.create(
            term=term,
            starts_on=starts_on,
            ends_on=ends_on,
            produced_by=actor,
            produced_at=now,
            receiver=receiver,
            rows=_json(rows),
            count=len(rows),
            ack_due_at=now + datetime.timedelta(days=KEY_LIST_ACK_DAYS),
        )
        deadlines_schedule(
            deadlines=[
                {
                    "kind": KEY_LIST_ACK,
                    "subject_type": KEY_LIST_SUBJECT,
                    "subject_id": key_list.pk,
                    "due_at": key_list.ack_due_at,
                }
            ],
            now=now,
        )
        event_record(
            actor=actor,
            subject=key_list,
            verb="care.key_list_produced",
            data={"term": term, "count": len(rows), "receiver_id": receiver.pk},
            at=now,
        )
        message_send(
            subject_type="care.keylist",
            subject_id=key_list.pk,
            kind="care.key_list",
            title=_("Key-student list to receive"),
            body=_(
                "The psychological centre sent you the key-student list of %(term)s; "
                "acknowledge receiving it."
            )
            % {"term": term},
            url=f"/care/key-lists/{key_list.pk}/",
            recipients=[receiver],
            now=now,
        )
    return key_list


def key_list_acknowledge(*, actor, key_list, now=None) -> KeyList:
    now = now or timezone.now()
    if actor.pk != key_list.receiver_id:
        raise PermissionDenied
    with transaction.atomic():
        key_list = KeyList.objects.select_for_update().get(pk=key_list.pk)
        if key_list.acknowledged_at is None:
            key_list.acknowledged_at = now
            key_list.save(update_fields=["acknowledged_at"])
            deadlines_cancel(
                subject_type=KEY_LIST_SUBJECT, subject_id=key_list.pk, now=now, outcome="done"
            )
            event_record(actor=actor, subject=key_list, verb="care.key_list_acknowledged", at=now)
    return key_list


def key_list_read_record(*, actor, key_list, via: str, now=None) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        event_record(
            actor=actor, subject=key_list, verb="care.key_list_read", data={"via": via}, at=now
        )


# ---- a class handover (handovers.hooks.register_on_handover) --------------------------------


# How the handover page and the new holder's message name the counts (numbers, no names).
HANDOVER_LABELS = {
    "care_files": gettext_lazy("Care files in these classes"),
    "care_owners_moved": gettext_lazy("Care files you are now the dedicated owner of"),
    "care_tasks_open": gettext_lazy("Open care-file tasks"),
}


def care_files_follow_handover(*, handover, class_ids, from_person, to_person, actor, now):
    """The classes' files owned by the old holder get the new one as dedicated owner (one
    batched event with the file ids, no content); counts the files and open tasks that move
    with the classes (tasks resolve their people at notify time)."""
    files = CareFile.objects.filter(student__klass_id__in=list(class_ids))
    owned = list(files.filter(owner=from_person).values_list("pk", flat=True))
    if owned:
        CareFile.objects.filter(pk__in=owned).update(owner=to_person, updated_at=now)
        Entry.objects.bulk_create(
            Entry(
                file_id=pk, kind=Entry.Kind.OWNER, actor=None, at=now, text=to_person.display_name
            )
            for pk in owned
        )
        event_record(
            actor=actor,
            subject=("handovers.handover", handover.pk),
            verb="care.owners_moved",
            data={"from": from_person.pk, "to": to_person.pk, "file_ids": owned[:500]},
            at=now,
        )
    tasks = Task.objects.filter(
        file__in=files, done_at__isnull=True, cancelled_at__isnull=True, role="counsellor"
    ).count()
    return {"care_files": files.count(), "care_owners_moved": len(owned), "care_tasks_open": tasks}


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

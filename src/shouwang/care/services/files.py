"""A care file opened and kept up: `care_file_open_or_update` and, for many students at once
(a screening round), `care_files_open_or_update` (BATCH rows per bulk statement); notes
(`care_note_add`), the diagnosis (`care_diagnosis_set`), the dedicated owner
(`care_owner_set`), the key-student flag (`care_key_flag_set`), attachments
(`care_attachment_add`; `_attachment_store` also keeps a task's scan) and the supervision
roster (`care_watch_add`)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang import bounds
from shouwang.audit.services import batched_events
from shouwang.reports.attachments import check_upload, safe_name

from .. import permissions
from ..models import Attachment, CareFile, Entry, Via, Watch
from .common import MAX_NOTE, _clean_factors, _clean_screening, _clean_text, _file_event, _json

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

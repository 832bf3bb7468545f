"""Every write of the studies app: imports (a queued job, or an API batch), the rules, and the
parent contact a 学业预警 asks for. Each checks permission and records its event in the same
transaction."""

import datetime
import hashlib
import logging
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from shouwang import bounds
from shouwang.audit.services import event_record
from shouwang.escalation.levels import SEVERITY_ORDER
from shouwang.escalation.services import deadlines_cancel
from shouwang.sheets import ImportFileError, ImportResult, read_bytes
from shouwang.talks import permissions as talks_permissions
from shouwang.talks import selectors as talks_selectors
from shouwang.talks import services as talks_services
from shouwang.talks.models import Kind as TalkKind
from shouwang.talks.models import Mode as TalkMode

from . import academic, importing, permissions, rules
from .models import AcademicWarning, ImportJob, ParentContact, TruancyRule, WarningRule

log = logging.getLogger(__name__)
MAX_BATCH = 5000  # rows in one API batch
ERRORS_KEPT = 500  # errors stored on a failed job (the count says how many there were)


# ---- imports -------------------------------------------------------------------------------


def import_request(*, actor, kind: str, data, filename: str, now=None) -> ImportJob:
    """Queue a file for the worker; its size is checked here, its rows by the job."""
    now = now or timezone.now()
    if not permissions.can_import(actor):
        raise PermissionDenied(_("Only 学生处 and 教务处 import attendance and grades."))
    if kind not in ImportJob.Kind.values:
        raise ValidationError({"kind": [_("Choose class attendance or grades.")]})
    if not filename.lower().endswith((".xlsx", ".csv")):
        raise ValidationError({"file": [_("Upload an .xlsx or .csv file.")]})
    try:
        content = read_bytes(data)
    except ImportFileError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind,
            filename=filename[:200],
            content=content,
            requested_by=actor,
            requested_at=now,
        )
        # The job row is written in this transaction (django-tasks' database backend).
        job.task_id = str(run_import.enqueue(job.pk).id)
        job.save(update_fields=["task_id"])
        event_record(
            actor=actor,
            subject=job,
            verb="studies.import_requested",
            at=now,
            data={"kind": kind, "filename": job.filename, "size": len(content)},
        )
    return job


def _progress(job_id: int, percent: int) -> None:
    ImportJob.objects.filter(pk=job_id, state=ImportJob.State.RUNNING).update(
        progress=percent, progressed_at=timezone.now()
    )


def import_run(*, job_id: int, now=None) -> str:
    """The job: claim the queued file (compare-and-set), check every row, write all or nothing,
    then run the rules on what it brought (truancy scan; 学业预警)."""
    now = now or timezone.now()
    if (
        ImportJob.objects.filter(pk=job_id, state=ImportJob.State.QUEUED).update(
            state=ImportJob.State.RUNNING, progress=5, progressed_at=timezone.now()
        )
        != 1
    ):
        return "not queued"
    job = ImportJob.objects.select_related("requested_by").get(pk=job_id)
    try:
        result, write, student_ids = importing.check_file(
            job.kind, bytes(job.content), job.filename, lambda p: _progress(job_id, p)
        )
        if write is not None:
            with transaction.atomic():
                write()
                _apply(job.kind, student_ids, now)
                _finish(job, result, now)
        else:
            with transaction.atomic():
                _finish(job, result, now)
    except Exception as exc:  # the job's failure is the job's state, with the reason
        log.exception("studies import %s failed", job_id)
        with transaction.atomic():
            result = ImportResult(kind=job.kind, filename=job.filename)
            result.errors.append((None, "", _("The import failed: %(e)s") % {"e": exc}))
            _finish(job, result, now)
    return job.state


def _apply(kind, student_ids, now):
    if kind == ImportJob.Kind.ATTENDANCE:
        rules.truancy_scan_all(now=now)
    else:
        academic.warnings_evaluate(student_ids=student_ids, now=now)


def _finish(job: ImportJob, result: ImportResult, now) -> None:
    job.state = ImportJob.State.DONE if result.ok else ImportJob.State.FAILED
    job.progress, job.finished_at, job.content = 100, now, b""
    job.created, job.updated, job.unchanged = result.created, result.updated, result.unchanged
    job.errors = [list(e) for e in result.errors[:ERRORS_KEPT]]
    job.error_count = len(result.errors)
    job.save()
    event_record(
        actor=job.requested_by,
        subject=job,
        verb="studies.imported" if result.ok else "studies.import_refused",
        at=now,
        data={
            "kind": job.kind,
            "filename": job.filename,
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "errors": len(result.errors),
        },
    )


STUCK_MINUTES = 15  # 80,000 attendance rows are checked and written in about 20 s


def imports_unstick(*, now=None) -> int:
    """The worker's sweep: a job still running that has not moved on for STUCK_MINUTES (its
    worker died; its transaction rolled back, so nothing of it was written) is marked failed,
    so the person who uploaded sees it and may upload again. Compare-and-set per job."""
    now = now or timezone.now()
    count = 0
    stuck = ImportJob.objects.filter(
        state=ImportJob.State.RUNNING,
        progressed_at__lt=now - datetime.timedelta(minutes=STUCK_MINUTES),
    ).select_related("requested_by")
    for job in stuck.defer("content"):
        with transaction.atomic():
            reason = _("The import stopped (the worker was interrupted); upload the file again.")
            given_up = ImportJob.objects.filter(
                pk=job.pk, state=ImportJob.State.RUNNING, progressed_at=job.progressed_at
            ).update(
                state=ImportJob.State.FAILED,
                finished_at=now,
                content=b"",
                errors=[[None, "", reason]],
                error_count=1,
            )
            if given_up != 1:
                continue
            event_record(
                actor=job.requested_by,
                subject=job,
                verb="studies.import_refused",
                at=now,
                data={"kind": job.kind, "filename": job.filename, "stuck": True},
            )
        count += 1
    return count


@task()
def run_import(job_id: int) -> str:
    """The queued job (django-tasks): what the worker runs for an uploaded file."""
    return import_run(job_id=job_id)


def attendance_batch(*, actor, records: list[dict], now=None) -> ImportResult:
    """An API batch of attendance rows, checked like a file's and written all or nothing in
    this request; then the truancy rules run. Errors are in the result (nothing written)."""
    now = now or timezone.now()
    if not permissions.can_import(actor):
        raise PermissionDenied(_("Only 学生处 and 教务处 import attendance and grades."))
    if len(records) > MAX_BATCH:
        raise ValidationError(_("At most %(n)d rows in one batch.") % {"n": MAX_BATCH})
    result, write, student_ids = importing.check_records("attendance", records)
    if write is None:
        return result
    with transaction.atomic():
        write()
        event_record(
            actor=actor,
            subject=("studies.attendance", "api"),
            verb="studies.imported",
            at=now,
            data={
                "kind": "attendance",
                "filename": "api",
                "sha256": hashlib.sha256(repr(records).encode()).hexdigest(),
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
            },
        )
        rules.truancy_scan_all(now=now)
    return result


# ---- rules ---------------------------------------------------------------------------------


def _clean_truancy(name, absences, days, severity) -> dict:
    errors: dict[str, list] = {}
    name = (name or "").strip()
    if not name or len(name) > 60:
        errors["name"] = [_("Give the rule a name of at most 60 characters.")]
    for field, value, top in (("absences", absences, 200), ("days", days, 120)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
            errors[field] = [_("A whole number from 1 to %(top)d.") % {"top": top}]
    if severity not in SEVERITY_ORDER:
        errors["severity"] = [_("Choose a severity.")]
    if errors:
        raise ValidationError(errors)
    return {"name": name, "absences": absences, "days": days, "severity": severity}


def truancy_rule_save(
    *,
    actor,
    rule: TruancyRule | None = None,
    name: str,
    absences,
    days,
    severity: str = "general",
    is_active: bool = True,
    now=None,
) -> TruancyRule:
    """Create a rule (rule=None) or change one; an active rule has its daily scan on the
    engine, an inactive one none."""
    now = now or timezone.now()
    if not permissions.can_edit_rules(actor):
        raise PermissionDenied(_("Only 学生处 edits the attendance and academic rules."))
    values = _clean_truancy(name, absences, days, severity)
    with transaction.atomic():
        if rule is None:
            rule = TruancyRule.objects.create(**values, is_active=is_active)
            was_active, verb = False, "studies.truancy_rule_created"
        else:
            rule = TruancyRule.objects.select_for_update().get(pk=rule.pk)
            was_active, verb = rule.is_active, "studies.truancy_rule_changed"
            for field, value in values.items():
                setattr(rule, field, value)
            rule.is_active = is_active
            rule.save()
        if is_active and not was_active:
            rules.scan_schedule(rule, now=now)
        elif was_active and not is_active:
            deadlines_cancel(
                subject_type=rules.RULE_SUBJECT, subject_id=rule.pk, now=now, outcome="inactive"
            )
        event_record(
            actor=actor, subject=rule, verb=verb, at=now, data={**values, "active": is_active}
        )
    return rule


def _decimal(value, field, errors):
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        errors[field] = [_("Enter a number.")]
        return None
    if not number.is_finite() or not Decimal(0) <= number <= Decimal(300):
        errors[field] = [_("A number from 0 to 300.")]
        return None
    if number != number.quantize(Decimal("0.1")):
        errors[field] = [_("At most one decimal place.")]
        return None
    return number


def warning_rule_update(
    *, actor, yellow_over, orange_from, red_over, contact_days, remind_days, now=None
) -> WarningRule:
    """The 学业预警 thresholds: yellow above, orange from, red above — in that order."""
    now = now or timezone.now()
    if not permissions.can_edit_rules(actor):
        raise PermissionDenied(_("Only 学生处 edits the attendance and academic rules."))
    errors: dict[str, list] = {}
    y = _decimal(yellow_over, "yellow_over", errors)
    o = _decimal(orange_from, "orange_from", errors)
    r = _decimal(red_over, "red_over", errors)
    if y is not None and o is not None and not y < o:
        errors["orange_from"] = [_("Orange must start above the yellow threshold.")]
    if o is not None and r is not None and not o <= r:
        errors["red_over"] = [_("The red threshold must not be below orange's.")]
    for field, value, low in (("contact_days", contact_days, 1), ("remind_days", remind_days, 0)):
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= 60:
            errors[field] = [_("A whole number from %(low)d to 60.") % {"low": low}]
    if not errors and remind_days >= contact_days:
        errors["remind_days"] = [_("The reminder must come before the contact is due.")]
    if errors:
        raise ValidationError(errors)
    values = {
        "yellow_over": y,
        "orange_from": o,
        "red_over": r,
        "contact_days": contact_days,
        "remind_days": remind_days,
    }
    with transaction.atomic():
        rule = WarningRule.objects.select_for_update().order_by("pk").first()
        if rule is None:
            rule = WarningRule.objects.create(**values)
        else:
            WarningRule.objects.filter(pk=rule.pk).update(**values)
            rule.refresh_from_db()
        event_record(
            actor=actor,
            subject=rule,
            verb="studies.warning_rule_changed",
            at=now,
            data={k: str(v) for k, v in values.items()},
        )
    return rule


# ---- parent contact ------------------------------------------------------------------------


# How a contact about a warning counts in talks (a letter is no talks mode: it counts nowhere).
TALK_MODES = {
    ParentContact.Mode.PHONE: TalkMode.PHONE,
    ParentContact.Mode.VISIT: TalkMode.FACE,
    ParentContact.Mode.MESSAGE: TalkMode.WECHAT,
}


def _count_for_the_semester(actor, student, date, mode, summary, now) -> None:
    """A contact with the parents about a warning is also the semester's parent contact
    (R-CARE-2): recorded in talks when the one recording it keeps the student's talks, so the
    counsellor does not write it twice."""
    oldest = timezone.localdate(now) - datetime.timedelta(days=talks_services.OLDEST_DAYS)
    if mode not in TALK_MODES or date < oldest or not talks_permissions.can_record_talks(actor):
        return
    if not talks_selectors.students_for_talks(actor).filter(pk=student.pk).exists():
        return
    talks_services.talk_record(
        actor=actor,
        student=student,
        kind=TalkKind.PARENT_CONTACT,
        held_on=date,
        mode=TALK_MODES[mode],
        summary=(_("About the academic warning: ") + summary)[: talks_services.SUMMARY_MAX],
        now=now,
    )


def parent_contact_record(
    *, actor, warning: AcademicWarning, date, mode: str, summary: str, now=None
) -> ParentContact:
    """The counsellor records the contact with the parents: the reminder and the escalation
    are cancelled (or, when it was overdue, the record says it came late)."""
    now = now or timezone.now()
    student = warning.student
    if not permissions.can_record_contact(actor, student):
        raise PermissionDenied(_("Only the student's counsellor and those above record this."))
    errors: dict[str, list] = {}
    if not isinstance(date, datetime.date):
        errors["date"] = [_("Enter a date.")]
    elif not (bounds.EARLIEST.date() <= date <= timezone.localtime(now).date()):
        errors["date"] = [_("The date cannot be in the future.")]
    if mode not in ParentContact.Mode.values:
        errors["mode"] = [_("Choose how the parents were contacted.")]
    summary = (summary or "").strip()
    if not summary:
        errors["summary"] = [_("Say what was discussed.")]
    elif len(summary) > 2000:
        errors["summary"] = [_("At most %(n)d characters.") % {"n": 2000}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        warning = AcademicWarning.objects.select_for_update().get(pk=warning.pk)
        late = warning.contact == AcademicWarning.Contact.OVERDUE
        contact = ParentContact.objects.create(
            warning=warning,
            date=date,
            mode=mode,
            summary=summary,
            recorded_by=actor,
            recorded_at=now,
        )
        warning.contact = AcademicWarning.Contact.DONE
        warning.save(update_fields=["contact"])
        _count_for_the_semester(actor, student, date, mode, summary, now)
        deadlines_cancel(
            subject_type=academic.WARNING_SUBJECT,
            subject_id=warning.pk,
            now=now,
            outcome="contacted",
        )
        event_record(
            actor=actor,
            subject=warning,
            verb="studies.parent_contacted",
            at=now,
            data={
                "student": student.student_no,
                "date": date.isoformat(),
                "mode": mode,
                "late": late,
            },
        )
    return contact

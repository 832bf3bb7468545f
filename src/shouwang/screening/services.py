"""Every write of screening: asking for an import (the file kept encrypted, a queued job and a
timeline event, together), the job itself (read and check every row; write all or nothing),
and recording a flagged student's interview.

The job runs in the worker (`shouwang worker` runs queued jobs every second) through
django-tasks and takes the round's id, so a queued import survives a restart. Its progress is
written as it reads (outside any transaction, so the page's poll sees it); the write itself is
one transaction: results, the care files (through care's batched service), the interviews and their
deadlines, and the events.

No score, flag or risk factor ever goes into a timeline event: events carry ids and counts.
"""

import base64
import datetime
import hashlib
import io
import logging
import zipfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from shouwang.audit.services import batched_events, event_record
from shouwang.escalation.services import deadlines_cancel, deadlines_schedule
from shouwang.org.models import Student
from shouwang.sheets import (
    Errors,
    ImportFileError,
    Records,
    header_name,
    match_headers,
    read_bytes,
    read_rows,
)

from . import permissions
from .care_link import care_files_for_screening, risk_factor_codes_by_name
from .instruments import SPECS
from .models import Instrument, Interview, Result, Round

log = logging.getLogger("shouwang.screening")

INTERVIEW_DAYS = 14  # the psych centre sees each flagged student within two weeks
REMIND_BEFORE = datetime.timedelta(days=3)
INTERVIEW_REMIND = "screening_iv_remind"
INTERVIEW_OVERDUE = "screening_iv_overdue"
INTERVIEW_SUBJECT = "screening.interview"
ERRORS_KEPT = 1000  # a round keeps the first errors: enough to fix the file
PROGRESS_EVERY = 2000  # rows between progress writes
BATCH = 1000


# ---- asking for an import ------------------------------------------------------------------


def _clean_request(term, instrument, held_on, now) -> dict:
    errors = {}
    term = (term or "").strip()
    if not term or len(term) > 40:
        errors["term"] = [_("Name the term in at most 40 characters (e.g. 2026秋季学期).")]
    if instrument not in Instrument.values:
        errors["instrument"] = [_("Choose the instrument: UPI or SCL-90.")]
    if isinstance(held_on, str):
        try:
            held_on = datetime.date.fromisoformat(held_on.strip()[:10])
        except ValueError:
            held_on = None
    today = timezone.localdate(now)
    if not isinstance(held_on, datetime.date) or not (
        today - datetime.timedelta(days=366) <= held_on <= today
    ):
        errors["held_on"] = [_("Give the screening's date: within the last year, not later.")]
    if errors:
        raise ValidationError(errors)
    return {"term": term, "instrument": instrument, "held_on": held_on}


def _check_header(content: bytes, filename: str, instrument: str) -> None:
    """The file opens and its header has the instrument's required columns: said at once, not
    after a wait for the job (which checks everything again)."""
    spec = SPECS[instrument].columns
    try:
        for values in read_rows(content, filename):
            if not any(header_name(v) for v in values):
                continue
            present = match_headers(spec, values)
            missing = [c.header for c in spec if c.required and c.field not in present]
            if missing:
                raise ValidationError(
                    {"file": [_("Missing column(s): %(cols)s") % {"cols": "、".join(missing)}]}
                )
            return
    except ImportFileError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    raise ValidationError({"file": [_("The file is empty.")]})


def round_request(*, actor, term, instrument, held_on, data, filename: str, now=None) -> Round:
    """Queue the import of one screening file. Only the psych centre and 学生处 may."""
    now = now or timezone.now()
    if not permissions.can_import(actor):
        raise PermissionDenied(_("Only the psych centre and 学生处 import screening results."))
    clean = _clean_request(term, instrument, held_on, now)
    if data is None:
        raise ValidationError({"file": [_("Choose a file (.xlsx or .csv).")]})
    try:
        content = read_bytes(data)
    except ImportFileError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    filename = (filename or "upload.csv")[-200:]
    _check_header(content, filename, clean["instrument"])
    digest = hashlib.sha256(content).hexdigest()
    with transaction.atomic():
        rnd = Round.objects.create(
            **clean,
            imported_by=actor,
            requested_at=now,
            filename=filename,
            sha256=digest,
            size=len(content),
            upload=base64.b64encode(content).decode("ascii"),
        )
        # The job row is written in this transaction (django-tasks' database backend): the
        # round and its job exist together or not at all.
        result = import_round.enqueue(rnd.pk)
        rnd.task_id = str(result.id)
        rnd.save(update_fields=["task_id"])
        event_record(
            actor=actor,
            subject=rnd,
            verb="screening.import_requested",
            at=now,
            data={
                "round": rnd.pk,
                "term": rnd.term,
                "instrument": rnd.instrument,
                "filename": filename,
                "sha256": digest,
                "size": len(content),
            },
        )
    return rnd


# ---- the job -------------------------------------------------------------------------------


def _estimate_rows(content: bytes) -> int:
    """About how many rows the file has, for the progress bar only. An .xlsx: the first sheet's
    <row> tags counted in its decompressed XML (a tenth of the time openpyxl takes to read it;
    its <dimension> is absent or wrong in many programs' files). A .csv: its line breaks."""
    if not content.startswith(b"PK"):
        return max(1, content.count(b"\n"))
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            sheets = sorted(n for n in archive.namelist() if n.startswith("xl/worksheets/sheet"))
            count, tail = 0, b""
            with archive.open(sheets[0]) as sheet:
                while chunk := sheet.read(1 << 20):
                    count += (tail + chunk).count(b"<row")
                    tail = chunk[-3:]
            return max(1, count)
    except (zipfile.BadZipFile, IndexError, KeyError, OSError):
        return 1


def _progress(round_id: int, percent: int) -> None:
    Round.objects.filter(pk=round_id, state=Round.State.RUNNING, progress__lt=percent).update(
        progress=min(99, percent), progressed_at=timezone.now()
    )


def _plain(value):
    return None if value is None else (int(value) if isinstance(value, int) else float(value))


def _check(rnd: Round, content: bytes):
    """Read and check every row → (planned rows, errors). A planned row is (student id,
    details). Progress moves from 5 % to 70 % as the rows are read."""
    spec = SPECS[rnd.instrument]
    errors = Errors(spec.columns)
    register = {
        no: (pk, name) for no, pk, name in Student.objects.values_list("student_no", "pk", "name")
    }
    factors = risk_factor_codes_by_name()
    estimate = _estimate_rows(content)
    seen: dict[str, int] = {}
    planned = []
    try:
        for count, row in enumerate(Records(spec.columns, content, rnd.filename, errors), 1):
            v = row.v
            if "student_no" not in row.bad:
                no = v["student_no"]
                if no in seen:
                    errors.cell(
                        row,
                        "student_no",
                        _("Student number %(no)s repeats row %(row)d.")
                        % {"no": no, "row": seen[no]},
                    )
                elif no not in register:
                    seen[no] = row.number
                    errors.cell(row, "student_no", _("Unknown student number %(no)s.") % {"no": no})
                else:
                    seen[no] = row.number
                    if v.get("name") and "name" not in row.bad and v["name"] != register[no][1]:
                        errors.cell(
                            row,
                            "name",
                            _("%(name)s is not the name the register has for %(no)s.")
                            % {"name": v["name"], "no": no},
                        )
            codes = []
            for name in v.get("risk_factors") or ():
                code = factors.get(name) or factors.get(name.lower())
                if code is None:
                    errors.cell(
                        row, "risk_factors", _("Unknown risk factor %(name)s.") % {"name": name}
                    )
                    break
                codes.append(code)
            if not row.bad and not errors:
                flag = spec.flag(v)
                planned.append(
                    (
                        register[v["student_no"]][0],
                        {
                            "scores": {f: _plain(v.get(f)) for f in spec.scores},
                            "flag": flag,
                            "flagged": flag in spec.flagged,
                            "risk_factors": codes,
                        },
                    )
                )
            elif errors and planned:
                planned = []  # nothing will be written: stop holding rows
            if count % PROGRESS_EVERY == 0:
                _progress(rnd.pk, 5 + 65 * count // estimate)
    except ImportFileError as exc:
        errors.file(str(exc))
    errors.sort()
    return planned, errors


def _due(now) -> datetime.datetime:
    local = timezone.localtime(now) + datetime.timedelta(days=INTERVIEW_DAYS)
    return local.replace(hour=18, minute=0, second=0, microsecond=0)


def _results_insert(rnd: Round, planned) -> None:
    """One plain INSERT per batch, the details encrypted by their field: 50,000 model
    instances would cost more than storing the rows (this app's own table)."""
    field = Result._meta.get_field("details")
    table = connection.ops.quote_name(Result._meta.db_table)
    sql = f"INSERT INTO {table} (round_id, student_id, details) VALUES (%s, %s, %s)"
    with connection.cursor() as cursor:
        for start in range(0, len(planned), BATCH):
            cursor.executemany(
                sql,
                [(rnd.pk, pk, field.get_prep_value(d)) for pk, d in planned[start : start + BATCH]],
            )


def _write(rnd: Round, planned, now) -> None:
    spec = SPECS[rnd.instrument]
    counts = {flag: 0 for flag in spec.flags}
    for _pk, details in planned:
        counts[details["flag"]] = counts.get(details["flag"], 0) + 1
    flagged = [(pk, d) for pk, d in planned if d["flagged"]]
    students = Student.objects.select_related("klass").in_bulk([pk for pk, _d in flagged])
    due = _due(now)
    with transaction.atomic(), batched_events():
        if (
            not Round.objects.select_for_update()
            .filter(pk=rnd.pk, state=Round.State.RUNNING)
            .exists()
        ):
            return
        _results_insert(rnd, planned)
        files = care_files_for_screening(
            actor=rnd.imported_by,
            round=rnd,
            flagged=[(students[pk], d) for pk, d in flagged],
            now=now,
        )
        interviews = [
            Interview(
                round=rnd,
                student_id=pk,
                care_file_id=getattr(care_file, "pk", None),
                created_at=now,
                due_at=due,
            )
            for (pk, _d), care_file in zip(flagged, files, strict=True)
        ]
        Interview.objects.bulk_create(interviews, batch_size=BATCH)
        ids = list(Interview.objects.filter(round=rnd).values_list("pk", flat=True))
        deadlines_schedule(
            deadlines=[
                {
                    "kind": kind,
                    "subject_type": INTERVIEW_SUBJECT,
                    "subject_id": pk,
                    "due_at": at,
                }
                for pk in ids
                for kind, at in ((INTERVIEW_REMIND, due - REMIND_BEFORE), (INTERVIEW_OVERDUE, due))
            ],
            now=now,
        )
        Round.objects.filter(pk=rnd.pk).update(
            state=Round.State.IMPORTED,
            progress=100,
            progressed_at=now,
            finished_at=now,
            rows=len(planned),
            flagged=len(flagged),
            counts=counts,
            upload=None,
        )
        event_record(
            actor=None,
            subject=rnd,
            verb="screening.round_imported",
            at=now,
            data={
                "round": rnd.pk,
                "imported_by": rnd.imported_by_id,
                "rows": len(planned),
                "flagged": len(flagged),
                "interviews": len(ids),
                "interview_due_at": due.isoformat(),
            },
        )


def _reject(rnd: Round, errors: Errors, now) -> None:
    with transaction.atomic():
        rejected = Round.objects.filter(pk=rnd.pk, state=Round.State.RUNNING).update(
            state=Round.State.REJECTED,
            finished_at=now,
            progress=100,
            progressed_at=now,
            errors=[list(e) for e in errors.items[:ERRORS_KEPT]],
            error_count=len(errors),
            upload=None,
        )
        if rejected:
            event_record(
                actor=None,
                subject=rnd,
                verb="screening.import_rejected",
                at=now,
                data={"round": rnd.pk, "errors": len(errors)},
            )


def _fail(rnd: Round, exc: Exception, now) -> None:
    reason = (exc.__class__.__name__ + ": " + str(exc))[:500]
    with transaction.atomic():
        failed = Round.objects.filter(pk=rnd.pk, state=Round.State.RUNNING).update(
            state=Round.State.FAILED, failure=reason, finished_at=now, upload=None
        )
        if failed:
            event_record(
                actor=None,
                subject=rnd,
                verb="screening.import_failed",
                at=now,
                data={"round": rnd.pk, "reason": exc.__class__.__name__},
            )


def round_import(*, round_id: int, now=None) -> str:
    """The job: claim the queued round (compare-and-set, so a second run does nothing), check
    every row, then write everything or nothing. → "imported", "rejected", "failed" or
    "not queued"."""
    started = now or timezone.now()
    claimed = Round.objects.filter(pk=round_id, state=Round.State.QUEUED).update(
        state=Round.State.RUNNING, started_at=started, progressed_at=started, progress=2
    )
    if claimed != 1:
        return "not queued"
    rnd = Round.objects.select_related("imported_by").get(pk=round_id)
    try:
        content = base64.b64decode(rnd.upload or "")
        planned, errors = _check(rnd, content)
        if errors:
            _reject(rnd, errors, now or timezone.now())
            return "rejected"
        _progress(rnd.pk, 75)
        _write(rnd, planned, now or timezone.now())
    except Exception as exc:  # the job's failure is the round's state, with the reason
        log.exception("screening round %s failed", round_id)
        _fail(rnd, exc, now or timezone.now())
        return "failed"
    return "imported"


STUCK_MINUTES = 5
STUCK_REASON = "导入任务长时间无进展（工作进程可能已中断），已停止；请重新上传文件。"


def rounds_unstick(*, now=None) -> int:
    """The worker's sweep: a round still importing whose job has not moved on for
    STUCK_MINUTES (its worker died) is marked failed — the file dropped, nothing of it written
    (the write is one transaction) — so the psych centre sees it and uploads again.
    Compare-and-set per round: any number of workers may sweep. Returns how many."""
    now = now or timezone.now()
    count = 0
    stuck = Round.objects.filter(
        state=Round.State.RUNNING, progressed_at__lt=now - datetime.timedelta(minutes=STUCK_MINUTES)
    ).values_list("pk", "progressed_at")
    for pk, progressed_at in stuck:
        with transaction.atomic():
            given_up = Round.objects.filter(
                pk=pk, state=Round.State.RUNNING, progressed_at=progressed_at
            ).update(state=Round.State.FAILED, failure=STUCK_REASON, finished_at=now, upload=None)
            if given_up != 1:
                continue
            event_record(
                actor=None,
                subject=("screening.round", pk),
                verb="screening.import_failed",
                at=now,
                data={
                    "round": pk,
                    "reason": "stuck",
                    "last_progress_at": progressed_at.isoformat() if progressed_at else None,
                },
            )
        count += 1
    return count


@task()
def import_round(round_id: int) -> str:
    """The queued job (django-tasks): what the worker runs for a requested import."""
    return round_import(round_id=round_id)


# ---- interviews ----------------------------------------------------------------------------


def interview_record(
    *, actor, interview: Interview, held_on, outcome: str, note: str = "", now=None
) -> Interview:
    """The psych centre saw the student: the interview is met (its deadlines cancelled)."""
    now = now or timezone.now()
    if not permissions.can_record_interview(actor):
        raise PermissionDenied(_("Only the psych centre records screening interviews."))
    errors = {}
    if isinstance(held_on, str):
        try:
            held_on = datetime.date.fromisoformat(held_on.strip()[:10])
        except ValueError:
            held_on = None
    if not isinstance(held_on, datetime.date) or not (
        interview.round.held_on <= held_on <= timezone.localdate(now)
    ):
        errors["held_on"] = [_("Give the interview's date: from the screening's date to today.")]
    if outcome not in Interview.Outcome.values:
        errors["outcome"] = [_("Choose the outcome.")]
    note = (note or "").strip()
    if len(note) > 2000:
        errors["note"] = [_("At most %(n)d characters.") % {"n": 2000}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Interview.objects.select_for_update().filter(pk=interview.pk).first()
        if locked is None or locked.state != Interview.State.OPEN:
            raise ValidationError({"held_on": [_("This interview is already recorded.")]})
        locked.state, locked.held_on, locked.outcome = Interview.State.DONE, held_on, outcome
        locked.note, locked.recorded_by, locked.recorded_at = note or None, actor, now
        locked.save(
            update_fields=["state", "held_on", "outcome", "note", "recorded_by", "recorded_at"]
        )
        deadlines_cancel(
            subject_type=INTERVIEW_SUBJECT, subject_id=locked.pk, now=now, outcome="done"
        )
        event_record(
            actor=actor,
            subject=locked,
            verb="screening.interview_recorded",
            at=now,
            data={
                "interview": locked.pk,
                "round": locked.round_id,
                "student": locked.student_id,
                "held_on": held_on.isoformat(),
                "late": locked.overdue_at is not None,
            },
        )
    interview.refresh_from_db()
    return interview


def result_read(*, actor, interview: Interview, now=None) -> None:
    """A student's screening result was shown: who read it, when (as care files are)."""
    now = now or timezone.now()
    with transaction.atomic():
        event_record(
            actor=actor,
            subject=interview,
            verb="screening.result_read",
            at=now,
            data={"interview": interview.pk, "student": interview.student_id},
        )

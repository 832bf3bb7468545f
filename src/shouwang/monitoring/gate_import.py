"""Access-control (门禁) exports: a vendor's columns mapped once (VendorFormat), the file read by
the worker (django-tasks) a row at a time with a progress bar, every bad row named (unknown
学号 or card number, a malformed time), and the traces written all or none, as ONE batch."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from shouwang.audit.services import batched_events, event_record
from shouwang.sheets import cells
from shouwang.sheets.files import ImportFileError, read_bytes
from shouwang.sheets.table import Column, Errors, Records

from . import permissions, services
from .models import GateImport, VendorFormat

PROGRESS_EVERY = 5000  # rows between progress writes
KEPT_ERRORS = 200


def spec_for(vendor: VendorFormat) -> list[Column]:
    cols = vendor.columns
    words = {w: "in" for w in vendor.in_words} | {w: "out" for w in vendor.out_words}
    spec = []
    if "student_no" in cols:
        spec.append(Column(cols["student_no"], "student_no", "card_no" not in cols, cells.text(20)))
    if "card_no" in cols:
        spec.append(Column(cols["card_no"], "card_no", "student_no" not in cols, cells.text(40)))
    spec.append(Column(cols["time"], "at", True, cells.moment))
    if "gate" in cols:
        spec.append(Column(cols["gate"], "place", False, cells.text(100)))
    if "direction" in cols:
        spec.append(
            Column(
                cols["direction"],
                "direction",
                False,
                cells.choice(words, lambda: _("Unknown direction: use the format's words.")),
            )
        )
    return spec


def gate_import_request(*, actor, vendor: VendorFormat, upload, now=None) -> GateImport:
    now = now or timezone.now()
    if not permissions.can_import_traces(actor):
        raise PermissionDenied
    try:
        content = read_bytes(upload)
    except ImportFileError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    name = getattr(upload, "name", "export.csv")[:200]
    with transaction.atomic():
        job = GateImport(
            vendor=vendor,
            filename=name,
            requested_by=actor,
            requested_at=now,
            rows_total=max(content.count(b"\n"), 1) if not content.startswith(b"PK") else 0,
        )
        job.file.save(name, ContentFile(content), save=False)
        job.save()
        event_record(
            actor=actor,
            subject=job,
            verb="monitoring.gate_import_requested",
            at=now,
            data={"vendor": vendor.name, "file": name, "bytes": len(content)},
        )
        transaction.on_commit(lambda: run_gate_import.enqueue(job.pk))
    return job


def _progress(job_id, done, total=None):
    fields = {"rows_done": done}
    if total is not None:
        fields["rows_total"] = total
    GateImport.objects.filter(pk=job_id).update(**fields)


def gate_import_run(*, job_id: int, now=None) -> GateImport:
    """Read, check every row, then write all (or, with any error, nothing but the errors)."""
    now = now or timezone.now()
    job = GateImport.objects.select_related("vendor", "requested_by").get(pk=job_id)
    if job.state not in (GateImport.State.QUEUED, GateImport.State.RUNNING):
        return job
    GateImport.objects.filter(pk=job.pk).update(state=GateImport.State.RUNNING)
    spec = spec_for(job.vendor)
    errors = Errors(spec)
    with job.file.open("rb") as f:
        content = f.read()
    events, numbers = [], []
    try:
        for row in Records(spec, content, job.filename, errors):
            if not row.bad:
                at = row.v["at"]
                if at > now + datetime.timedelta(minutes=10):
                    errors.cell(row, "at", _("This time is in the future."))
                else:
                    events.append(
                        {
                            "student_no": row.v.get("student_no") or None,
                            "card_no": row.v.get("card_no") or None,
                            "at": at,
                            "place": row.v.get("place") or "",
                            "direction": row.v.get("direction") or "",
                            "source_type": "gate",
                        }
                    )
                    numbers.append(row.number)
            if (row.number % PROGRESS_EVERY) == 0:
                _progress(job.pk, row.number)
    except ImportFileError as exc:
        errors.file(str(exc))
    problems: list[str] = []
    resolved = []
    if not errors:
        resolved = services.traces_resolve(
            actor=job.requested_by,
            events=events,
            now=now,
            window=False,  # an export may be old; the future was checked row by row
            errors=problems,
            label=lambda i: _("Row %(row)d") % {"row": numbers[i]},
        )
    total = len(events) + len(errors)
    if errors or problems:
        listed = [[e.row, e.column, e.message] for e in errors] + [[None, "", p] for p in problems]
        with transaction.atomic():
            GateImport.objects.filter(pk=job.pk).update(
                state=GateImport.State.FAILED,
                errors=listed[:KEPT_ERRORS],
                error_count=len(listed),
                rows_done=total,
                rows_total=total,
                finished_at=now,
            )
            event_record(
                actor=None,
                subject=job,
                verb="monitoring.gate_import_refused",
                at=now,
                data={"errors": len(listed), "first": listed[:5]},
            )
    else:
        with transaction.atomic(), batched_events():
            batch = services.traces_store(
                actor=job.requested_by,
                resolved=resolved,
                source=f"{job.vendor.name}: {job.filename}",
                source_type="gate",
                now=now,
            )
            GateImport.objects.filter(pk=job.pk).update(
                state=GateImport.State.DONE,
                imported=len(resolved),
                rows_done=total,
                rows_total=total,
                finished_at=now,
            )
            event_record(
                actor=None,
                subject=job,
                verb="monitoring.gate_import_done",
                at=now,
                data={"traces": len(resolved), "batch": batch.pk},
            )
    job.refresh_from_db()
    return job


@task()
def run_gate_import(job_id: int) -> str:
    """The queued job (django-tasks): the worker imports an uploaded export."""
    return gate_import_run(job_id=job_id).state

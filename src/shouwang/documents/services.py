"""Every write of documents: asking for one (a queued job and a timeline event, together) and
the job itself (claim, render, store with its SHA-256, and the timeline event). The job runs in
the worker (`shouwang worker` runs queued jobs every second) through django-tasks; it takes the
document's id, so a queued job survives a restart."""

import hashlib
import logging
import re
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from shouwang.audit.services import event_record
from shouwang.incidents.models import Incident
from shouwang.incidents.selectors import incidents_visible

from . import permissions, render, selectors
from .models import Document

log = logging.getLogger("shouwang.documents")

KIND_TITLES = {Document.Kind.COMPREHENSIVE: "综合报告", Document.Kind.REVIEW: "复盘报告"}
RENDERERS: dict[str, Callable] = {
    Document.Format.DOCX: render.render_docx,
    Document.Format.PDF: render.render_pdf,
}
# Stored on the document (the 公文's language: its page shows it as it is), not translated.
STUCK_REASON = "生成任务长时间无进展（工作进程可能已中断），已停止；请重新生成。"
RECORDS: dict[str, Callable] = {
    Document.Kind.COMPREHENSIVE: selectors.comprehensive_record,
    Document.Kind.REVIEW: selectors.review_record,
}


def document_request(*, actor, incident: Incident, kind: str, fmt: str, now=None) -> Document:
    """Queue the generation of one document of an incident the actor may see. Asked again while
    the same document is still queued or running, the same job answers (nothing new queued)."""
    now = now or timezone.now()
    errors = {}
    if kind not in Document.Kind.values:
        errors["kind"] = [_("Choose the comprehensive report or the review report.")]
    if fmt not in Document.Format.values:
        errors["format"] = [_("Choose Word (.docx) or PDF.")]
    if errors:
        raise ValidationError(errors)
    if not incidents_visible(actor).filter(pk=incident.pk).exists():
        raise PermissionDenied(_("You may not see this incident."))
    if kind == Document.Kind.REVIEW and not permissions.can_have_review_report(actor, incident):
        raise PermissionDenied(
            _(
                "The review report is for the incident's command group and the offices "
                "that oversee reviews."
            )
        )
    with transaction.atomic():
        Incident.objects.select_for_update().filter(pk=incident.pk).first()  # one request at a time
        existing = selectors.pending_duplicate(incident, kind, fmt, now)
        if existing is not None:
            return existing
        document = Document.objects.create(
            incident=incident, kind=kind, format=fmt, requested_by=actor, requested_at=now
        )
        # The job row is written in this transaction (django-tasks' database backend): the
        # document and its job exist together or not at all.
        result = generate_document.enqueue(document.pk)
        document.task_id = str(result.id)
        document.save(update_fields=["task_id"])
        event_record(
            actor=actor,
            subject=incident,
            verb="document.requested",
            at=now,
            data={"document": document.pk, "kind": kind, "format": fmt, "title": _title(document)},
        )
    return document


def _title(document) -> str:
    fmt = "Word" if document.format == Document.Format.DOCX else "PDF"
    return f"{KIND_TITLES[document.kind]}（{fmt}）"


def download_name(document) -> str:
    title = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "", document.incident.title).strip()[:60]
    return f"{KIND_TITLES[document.kind]}-{document.incident_id}-{title}.{document.format}"


def _progress(document_id: int, percent: int) -> None:
    Document.objects.filter(
        pk=document_id, state=Document.State.RUNNING, progress__lt=percent
    ).update(progress=min(99, percent), progressed_at=timezone.now())


def document_generate(*, document_id: int, now=None) -> str:
    """The job: claim the queued document (compare-and-set, so a second run does nothing),
    build the record as the person who asked may see it, render, store the file, and record
    `document.generated` with the SHA-256 — or `document.failed` with the reason."""
    started = now or timezone.now()
    claimed = Document.objects.filter(pk=document_id, state=Document.State.QUEUED).update(
        state=Document.State.RUNNING, started_at=started, progressed_at=started, progress=5
    )
    if claimed != 1:
        return "not queued"
    document = Document.objects.select_related("incident", "requested_by").get(pk=document_id)
    try:
        incident = incidents_visible(document.requested_by).filter(pk=document.incident_id).first()
        if incident is None:
            raise PermissionDenied(_("The person who asked may no longer see this incident."))
        with translation.override("zh-hans"):  # a 公文 is Chinese, whoever asked in which language
            record = RECORDS[document.kind](document.requested_by, incident, now=started)
        _progress(document_id, 30)
        content = RENDERERS[document.format](
            record, progress=lambda p: _progress(document_id, 30 + p * 6 // 10)
        )
        _progress(document_id, 90)
    except Exception as exc:  # the job's failure is the document's state, with the reason
        log.exception("document %s failed", document_id)
        _fail(document, exc, now or timezone.now())
        return "failed"
    digest = hashlib.sha256(content).hexdigest()
    finished = now or timezone.now()
    with transaction.atomic():
        if (
            not Document.objects.select_for_update()
            .filter(pk=document_id, state=Document.State.RUNNING)
            .exists()
        ):
            # Given up on as stuck while it was still (slowly) running: the failure stands,
            # and a new request makes a new document.
            return "given up"
        document.file.save(
            f"incident-{document.incident_id}-{document.kind}-{document.pk}.{document.format}",
            ContentFile(content),
            save=False,
        )
        document.state, document.progress, document.finished_at = Document.State.DONE, 100, finished
        document.sha256, document.size, document.filename = (
            digest,
            len(content),
            download_name(document),
        )
        document.save(
            update_fields=["file", "state", "progress", "finished_at", "sha256", "size", "filename"]
        )
        event_record(
            actor=None,
            subject=document.incident,
            verb="document.generated",
            at=finished,
            data={
                "document": document.pk,
                "kind": document.kind,
                "format": document.format,
                "title": _title(document),
                "sha256": digest,
                "size": len(content),
                "requested_by": document.requested_by_id,
            },
        )
    return "done"


def _fail(document, exc, now) -> None:
    reason = (str(exc) or exc.__class__.__name__)[:500]
    with transaction.atomic():
        failed = Document.objects.filter(pk=document.pk, state=Document.State.RUNNING).update(
            state=Document.State.FAILED, error=reason, finished_at=now
        )
        if failed != 1:
            return  # already given up on as stuck: that failure and its event stand
        event_record(
            actor=None,
            subject=document.incident,
            verb="document.failed",
            at=now,
            data={
                "document": document.pk,
                "kind": document.kind,
                "format": document.format,
                "title": _title(document),
                "reason": reason,
            },
        )


def documents_unstick(*, now=None) -> int:
    """The worker's sweep: a document still generating whose job has not moved on for
    STUCK_MINUTES (the worker died mid-way) is marked failed with `document.failed`, so the
    person who asked sees it and may ask again at once. Compare-and-set per document: any
    number of workers may sweep. Returns how many were given up on."""
    now = now or timezone.now()
    count = 0
    for document in selectors.documents_stuck(now).select_related("incident"):
        with transaction.atomic():
            given_up = Document.objects.filter(
                pk=document.pk, state=Document.State.RUNNING, progressed_at=document.progressed_at
            ).update(state=Document.State.FAILED, error=STUCK_REASON, finished_at=now)
            if given_up != 1:
                continue  # it moved on, finished or was given up on meanwhile
            event_record(
                actor=None,
                subject=document.incident,
                verb="document.failed",
                at=now,
                data={
                    "document": document.pk,
                    "kind": document.kind,
                    "format": document.format,
                    "title": _title(document),
                    "reason": STUCK_REASON,
                    "stuck": True,
                    "progress": document.progress,
                    "last_progress_at": document.progressed_at.isoformat(),
                },
            )
        count += 1
    return count


@task()
def generate_document(document_id: int) -> str:
    """The queued job (django-tasks): what the worker runs for a requested document."""
    return document_generate(document_id=document_id)

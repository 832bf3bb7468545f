"""Reads for documents, scoped like the incident they are about: a document (and its file) is
visible exactly when its incident is (`incidents.selectors.incidents_visible`), 404 otherwise.
What the documents print is gathered in `records.py` (re-exported here for the callers)."""

from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from shouwang.incidents.selectors import incidents_visible

from . import permissions
from .models import Document
from .records import REVIEW_SECTIONS, comprehensive_record, review_record, when

# Pending jobs older than this count as lost (a worker died mid-way): a new request may run.
STALE_MINUTES = 15
# A job generating without moving on for this long is given up on (services.documents_unstick,
# the worker's sweep): a document's parts take seconds, so minutes without progress is a crash.
STUCK_MINUTES = 3


def documents_visible(viewer):
    """The documents of the incidents the viewer sees; a 复盘报告 only for its command group and
    the offices that oversee reviews (`permissions.documents_q`)."""
    return Document.objects.filter(
        permissions.documents_q(viewer), incident__in=incidents_visible(viewer)
    )


def document_get(viewer, pk) -> Document:
    """404 (not 403) for a document of an incident the viewer may not see."""
    return get_object_or_404(
        documents_visible(viewer).select_related("incident", "requested_by"), pk=pk
    )


def documents_for(viewer, incident) -> list[Document]:
    """The incident's documents the viewer may have, newest first. The caller got `incident`
    through incident_get."""
    return list(
        incident.documents.filter(permissions.documents_q(viewer)).select_related("requested_by")[
            :50
        ]
    )


def kinds_for(viewer, incident) -> list[tuple[str, Any]]:
    """The documents the viewer may ask for (the page offers only these)."""
    return [
        (kind, label)
        for kind, label in Document.Kind.choices
        if kind != Document.Kind.REVIEW or permissions.can_have_review_report(viewer, incident)
    ]


def incidents_for_documents(viewer):
    """Incidents the viewer may see, closed first (their reports are the ones to write)."""
    return (
        incidents_visible(viewer).select_related("unit").order_by("status", "-activated_at")[:100]
    )


def incident_page_links(viewer, incident) -> list[dict]:
    """The incident page's link to its documents (综合报告/复盘报告): for whoever may see the
    incident, as the documents page itself (registered with `incidents.hooks`)."""
    if not incidents_visible(viewer).filter(pk=incident.pk).exists():
        return []
    return [
        {
            "key": "documents",
            "label": _("Documents"),
            "url": reverse("incident_documents", args=[incident.pk]),
        }
    ]


def documents_stuck(now):
    """Documents generating whose job has not moved on for STUCK_MINUTES."""
    cutoff = now - timedelta(minutes=STUCK_MINUTES)
    return Document.objects.filter(
        Q(progressed_at__lt=cutoff) | Q(progressed_at__isnull=True, started_at__lt=cutoff),
        state=Document.State.RUNNING,
    )


def pending_duplicate(incident, kind, fmt, now) -> Document | None:
    """A job for the same document still queued or running (and not stale): asked again, the
    same job answers instead of a second one."""
    return (
        incident.documents.filter(
            kind=kind,
            format=fmt,
            state__in=[Document.State.QUEUED, Document.State.RUNNING],
            requested_at__gte=now - timedelta(minutes=STALE_MINUTES),
        )
        .order_by("-requested_at")
        .first()
    )


# -- the record --------------------------------------------------------------------------


__all__ = ["REVIEW_SECTIONS", "comprehensive_record", "review_record", "when"]

"""Statements and the press (unified release, R-PLAN-6): `release_draft`, `release_publish`
(the publicity office only), `media_request_log`, `media_request_decide`."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record

from .. import permissions
from ..models import MediaRequest, Release


def release_draft(*, actor, incident, title: str, body: str, now=None) -> Release:
    now = now or timezone.now()
    if not (permissions.is_involved(actor, incident) or permissions.can_publish(actor)):
        raise PermissionDenied
    errors = {}
    if not (title or "").strip():
        errors["title"] = [_("Give the statement a title.")]
    if not (body or "").strip():
        errors["body"] = [_("Write the statement.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        release = Release.objects.create(
            incident=incident,
            title=title.strip()[:200],
            body=body.strip(),
            drafted_by=actor,
            drafted_at=now,
        )
        event_record(
            actor=actor,
            subject=incident,
            verb="release.drafted",
            at=now,
            data={"release": release.pk, "title": release.title},
        )
    return release


def release_publish(*, actor, release, channel: str, now=None) -> Release:
    """Only the publicity office publishes (R-PLAN-6); everyone else gets 403."""
    now = now or timezone.now()
    if not permissions.can_publish(actor):
        raise PermissionDenied(_("Only the publicity office may publish statements."))
    if not (channel or "").strip():
        raise ValidationError(
            {"channel": [_("Say where it is published (e.g. the school website, Weibo).")]}
        )
    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release.pk)
        if release.status == Release.Status.PUBLISHED:
            raise ValidationError(_("This statement is already published."))
        release.status, release.published_by, release.published_at = (
            Release.Status.PUBLISHED,
            actor,
            now,
        )
        release.channel = channel.strip()[:100]
        release.save(update_fields=["status", "published_by", "published_at", "channel"])
        event_record(
            actor=actor,
            subject=release.incident,
            verb="release.published",
            at=now,
            data={
                "release": release.pk,
                "title": release.title,
                "channel": release.channel,
                "body": release.body,
            },
        )
    return release


def media_request_log(
    *, actor, incident, outlet: str, requested_at=None, topic: str = "", now=None
) -> MediaRequest:
    now = now or timezone.now()
    if not (permissions.is_involved(actor, incident) or permissions.can_publish(actor)):
        raise PermissionDenied
    if not (outlet or "").strip():
        raise ValidationError({"outlet": [_("Name the outlet.")]})
    with transaction.atomic():
        request = MediaRequest.objects.create(
            incident=incident,
            outlet=outlet.strip()[:200],
            requested_at=requested_at or now,
            topic=(topic or "").strip(),
            logged_by=actor,
        )
        event_record(
            actor=actor,
            subject=incident,
            verb="media.requested",
            at=now,
            data={
                "request": request.pk,
                "outlet": request.outlet,
                "topic": request.topic,
                "requested_at": request.requested_at.isoformat(),
            },
        )
    return request


def media_request_decide(
    *, actor, request, decision: str, note: str = "", now=None
) -> MediaRequest:
    """Interviews are the publicity office's call (unified release)."""
    now = now or timezone.now()
    if not permissions.can_publish(actor):
        raise PermissionDenied(_("Only the publicity office may decide on interviews."))
    if decision not in (MediaRequest.Decision.ACCEPTED, MediaRequest.Decision.DECLINED):
        raise ValidationError({"decision": [_("Choose accept or decline.")]})
    with transaction.atomic():
        request.decision, request.decision_note, request.decided_by = (
            decision,
            (note or "").strip(),
            actor,
        )
        request.save(update_fields=["decision", "decision_note", "decided_by"])
        event_record(
            actor=actor,
            subject=request.incident,
            verb="media.decided",
            at=now,
            data={
                "request": request.pk,
                "outlet": request.outlet,
                "decision": decision,
                "note": request.decision_note,
            },
        )
    return request

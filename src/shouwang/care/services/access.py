"""Who reads a file beyond need-to-know, and every read on the timeline: grants
(`care_grant_create`, `care_grant_revoke`), break-glass (`care_break_glass`, reviewed by
`care_break_glass_review`), and the read events (`care_read_record`, `care_list_read_record`,
`care_read_refused`)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.notify.services import message_send

from .. import permissions, recipients
from ..models import BreakGlass, Grant
from .common import MAX_GRANT_DAYS, MAX_REASON, _clean_text, _file_event

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

"""The aftermath's investigation (cause, process, consequences, files) and its items; events
are recorded against the aftermath."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.escalation.services import deadlines_cancel

from .. import deadlines, permissions
from ..models import Aftermath, AftermathAttachment, AftermathItem
from .common import _check_files, _text


def investigation_save(
    *,
    actor,
    aftermath,
    cause: str = "",
    process: str = "",
    consequences: str = "",
    attachments=(),
    now=None,
) -> Aftermath:
    now = now or timezone.now()
    if not permissions.can_manage(actor, aftermath):
        raise PermissionDenied(_("Only the incident's command group may edit the investigation."))
    errors: dict = {}
    values = {
        f: _text(v, f, errors)
        for f, v in (("cause", cause), ("process", process), ("consequences", consequences))
    }
    checked = _check_files(attachments, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        aftermath = Aftermath.objects.select_for_update().get(pk=aftermath.pk)
        changed = [f for f, v in values.items() if getattr(aftermath, f) != v]
        for f in changed:
            setattr(aftermath, f, values[f])
        aftermath.investigation_by, aftermath.investigation_at = actor, now
        aftermath.save(update_fields=[*changed, "investigation_by", "investigation_at"])
        files = [
            AftermathAttachment.objects.create(
                aftermath=aftermath, file=upload, uploaded_by=actor, at=now, **meta
            )
            for upload, meta in checked
        ]
        event_record(
            actor=actor,
            subject=aftermath,
            verb="aftermath.investigation_saved",
            at=now,
            data={
                "changed": {f: values[f] for f in changed},
                "attachments": [
                    {"name": a.original_name, "sha256": a.sha256, "size": a.size} for a in files
                ],
            },
        )
    return aftermath


def item_update(*, actor, item, state: str, note: str = "", now=None) -> AftermathItem:
    now = now or timezone.now()
    if not permissions.can_update_item(actor, item):
        raise PermissionDenied(_("Only the item's owner or the command group may update it."))
    errors: dict = {}
    if state not in AftermathItem.State.values:
        errors["state"] = [_("Choose open, in progress or done.")]
    note = _text(
        note,
        "note",
        errors,
        required=state == AftermathItem.State.DONE,
        message=_("Say what was done."),
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        item = AftermathItem.objects.select_for_update().select_related("aftermath").get(pk=item.pk)
        previous = item.state
        if previous == AftermathItem.State.DONE:
            raise ValidationError(_("This item is already done."))
        item.state, item.note = state, note or item.note
        item.done_at = now if state == AftermathItem.State.DONE else None
        item.save(update_fields=["state", "note", "done_at"])
        if state == AftermathItem.State.DONE:
            deadlines_cancel(
                subject_type=deadlines.ITEM_SUBJECT, subject_id=item.pk, now=now, outcome="done"
            )
        event_record(
            actor=actor,
            subject=item.aftermath,
            verb="aftermath.item_updated",
            at=now,
            data={
                "item": item.pk,
                "title": item.title,
                "from": previous,
                "to": state,
                "note": note,
                "late": state == AftermathItem.State.DONE and item.due_at < now,
            },
        )
    return item

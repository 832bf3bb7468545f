"""Corrective actions: 部署 (action_issue, by whoever the source allows:
`hooks.register_action_source`) → 落实 (action_progress, action_submit, by the owner) → 检查 and
反馈 (action_inspect, by the issuer). Events are recorded against the action."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.escalation.services import deadlines_cancel, deadlines_schedule
from shouwang.notify.services import message_send
from shouwang.org.models import Post

from .. import deadlines, hooks, permissions
from ..models import ActionEvidence, ActionStep, CorrectiveAction
from .common import _check_files, _text


def action_issue(
    *,
    actor,
    source_type: str,
    source_id,
    title: str,
    requirement: str,
    evidence_required: str,
    owner_unit=None,
    owner=None,
    due_at=None,
    now=None,
) -> CorrectiveAction:
    """部署. The source decides who may issue (hooks.register_action_source)."""
    now = now or timezone.now()
    source = hooks.ACTION_SOURCES.get(source_type)
    if source is None:
        raise ValidationError({"source_type": [_("Unknown source of corrective actions.")]})
    if not source.may_issue(actor, str(source_id)):
        raise PermissionDenied(_("You may not issue corrective actions for this."))
    errors: dict = {}
    title = _text(
        title, "title", errors, required=True, limit=200, message=_("Give the action a title.")
    )
    requirement = _text(
        requirement, "requirement", errors, required=True, message=_("Say what must be done.")
    )
    evidence_required = _text(
        evidence_required,
        "evidence_required",
        errors,
        required=True,
        message=_("Say what evidence will show it is done."),
    )
    if owner_unit is None:
        errors["owner_unit"] = [_("Choose the unit responsible.")]
    if owner is None:
        errors["owner"] = [_("Choose the person responsible.")]
    elif (
        owner_unit is not None
        and not Post.objects.current(timezone.localdate(now))
        .filter(person=owner, unit__path__startswith=owner_unit.path)
        .exists()
    ):
        errors["owner"] = [_("The person responsible must hold a post in the unit responsible.")]
    if due_at is None:
        errors["due_at"] = [_("Set a due date.")]
    elif due_at <= now + timedelta(hours=1):
        errors["due_at"] = [_("The due date must be at least an hour from now.")]
    elif due_at > now + timedelta(days=366):
        errors["due_at"] = [_("The due date must be within a year.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        action = CorrectiveAction.objects.create(
            source_type=source_type,
            source_id=str(source_id),
            title=title,
            requirement=requirement,
            evidence_required=evidence_required,
            issuer=actor,
            owner_unit=owner_unit,
            owner=owner,
            created_at=now,
            due_at=due_at,
        )
        deadlines_schedule(deadlines=deadlines.action_deadlines(action), now=now)
        event_record(
            actor=actor,
            subject=action,
            verb="action.issued",
            at=now,
            data={
                "source_type": source_type,
                "source_id": str(source_id),
                "title": title,
                "owner": owner.pk,
                "owner_unit": owner_unit.code,
                "due_at": due_at.isoformat(),
            },
        )
        message_send(
            subject_type=deadlines.ACTION_SUBJECT,
            subject_id=action.pk,
            kind="aftermath.action_issued",
            title=_("[Corrective action] %(title)s: due %(due)s")
            % {"title": title, "due": timezone.localtime(due_at).strftime("%Y-%m-%d")},
            body=requirement[:500],
            url=f"/aftermath/actions/{action.pk}/",
            recipients=[owner],
            now=now,
        )
    return action


def _lock(action):
    return (
        CorrectiveAction.objects.select_for_update()
        .select_related("owner_unit", "issuer", "owner")
        .get(pk=action.pk)
    )


def _store_files(action, step, checked, actor, now):
    return [
        ActionEvidence.objects.create(
            action=action, step=step, file=upload, uploaded_by=actor, at=now, **meta
        )
        for upload, meta in checked
    ]


def action_progress(*, actor, action, text: str, attachments=(), now=None) -> ActionStep:
    """落实: a progress report. It answers the yellow/orange supervision (back to on track)."""
    now = now or timezone.now()
    if not permissions.can_report_progress(actor, action):
        raise PermissionDenied(
            _("Only the owner or the head of the owner unit may report progress.")
        )
    errors: dict = {}
    text = _text(text, "text", errors, required=True, message=_("Describe the progress."))
    checked = _check_files(attachments, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        action = _lock(action)
        if action.state not in (
            CorrectiveAction.State.DEPLOYED,
            CorrectiveAction.State.IMPLEMENTING,
        ):
            raise ValidationError(
                _("This action is %(state)s: no progress report now.")
                % {"state": action.get_state_display()}
            )
        step = ActionStep.objects.create(
            action=action, kind=ActionStep.Kind.PROGRESS, text=text, by=actor, at=now
        )
        files = _store_files(action, step, checked, actor, now)
        previous = action.colour
        action.state, action.last_progress_at = CorrectiveAction.State.IMPLEMENTING, now
        if action.colour in (CorrectiveAction.Colour.YELLOW, CorrectiveAction.Colour.ORANGE):
            action.colour = CorrectiveAction.Colour.GREEN
        action.save(update_fields=["state", "last_progress_at", "colour"])
        event_record(
            actor=actor,
            subject=action,
            verb="action.progress",
            at=now,
            data={
                "text": text,
                "colour_was": previous,
                "colour": action.colour,
                "files": [{"name": f.original_name, "sha256": f.sha256} for f in files],
            },
        )
    return step


def action_submit(
    *, actor, action, evidence_text: str, attachments=(), now=None
) -> CorrectiveAction:
    """落实 → 检查: the owner submits the evidence the action requires (text, and files)."""
    now = now or timezone.now()
    if not permissions.can_report_progress(actor, action):
        raise PermissionDenied(_("Only the owner or the head of the owner unit may submit."))
    errors: dict = {}
    evidence_text = _text(
        evidence_text,
        "evidence_text",
        errors,
        required=True,
        message=_("Describe the evidence that it is done."),
    )
    checked = _check_files(attachments, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        action = _lock(action)
        if action.state not in (
            CorrectiveAction.State.DEPLOYED,
            CorrectiveAction.State.IMPLEMENTING,
        ):
            raise ValidationError(
                _("This action is %(state)s: it cannot be submitted now.")
                % {"state": action.get_state_display()}
            )
        step = ActionStep.objects.create(
            action=action, kind=ActionStep.Kind.SUBMITTED, text=evidence_text, by=actor, at=now
        )
        files = _store_files(action, step, checked, actor, now)
        action.state, action.evidence_text, action.submitted_at = (
            CorrectiveAction.State.INSPECTING,
            evidence_text,
            now,
        )
        action.last_progress_at = now
        action.save(update_fields=["state", "evidence_text", "submitted_at", "last_progress_at"])
        event_record(
            actor=actor,
            subject=action,
            verb="action.submitted",
            at=now,
            data={
                "evidence": evidence_text,
                "files": [{"name": f.original_name, "sha256": f.sha256} for f in files],
            },
        )
        message_send(
            subject_type=deadlines.ACTION_SUBJECT,
            subject_id=action.pk,
            kind="aftermath.action_submitted",
            title=_("[To inspect] %(title)s") % {"title": action.title},
            body=evidence_text[:500],
            url=f"/aftermath/actions/{action.pk}/",
            recipients=[action.issuer],
            now=now,
        )
    return action


def action_inspect(*, actor, action, verdict: str, reason: str = "", now=None) -> CorrectiveAction:
    """检查 → 反馈: the issuer accepts, or sends it back with the reason (落实 again; if the
    due date has passed it turns red at once)."""
    now = now or timezone.now()
    if not permissions.can_inspect(actor, action):
        raise PermissionDenied(_("Only the issuer of the action inspects it."))
    errors: dict = {}
    if verdict not in ("accept", "send_back"):
        errors["verdict"] = [_("Choose accept or send back.")]
    reason = _text(
        reason,
        "reason",
        errors,
        required=verdict == "send_back",
        message=_("Say why it is sent back."),
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        action = _lock(action)
        if action.state != CorrectiveAction.State.INSPECTING:
            raise ValidationError(
                _("Nothing to inspect: the action is %(state)s.")
                % {"state": action.get_state_display()}
            )
        if verdict == "accept":
            ActionStep.objects.create(
                action=action, kind=ActionStep.Kind.ACCEPTED, text=reason, by=actor, at=now
            )
            action.state, action.accepted_at, action.accepted_by = (
                CorrectiveAction.State.ACCEPTED,
                now,
                actor,
            )
            action.save(update_fields=["state", "accepted_at", "accepted_by"])
            deadlines_cancel(
                subject_type=deadlines.ACTION_SUBJECT,
                subject_id=action.pk,
                now=now,
                outcome="accepted",
            )
            event_record(
                actor=actor,
                subject=action,
                verb="action.accepted",
                at=now,
                data={"note": reason, "late": action.submitted_at > action.due_at},
            )
        else:
            ActionStep.objects.create(
                action=action, kind=ActionStep.Kind.SENT_BACK, text=reason, by=actor, at=now
            )
            action.state = CorrectiveAction.State.IMPLEMENTING
            action.save(update_fields=["state"])
            event_record(
                actor=actor,
                subject=action,
                verb="action.sent_back",
                at=now,
                data={"reason": reason},
            )
            message_send(
                subject_type=deadlines.ACTION_SUBJECT,
                subject_id=action.pk,
                kind="aftermath.action_sent_back",
                title=_("[Sent back] %(title)s") % {"title": action.title},
                body=reason[:500],
                url=f"/aftermath/actions/{action.pk}/",
                recipients=[action.owner],
                now=now,
            )
            if action.due_at <= now and action.colour != CorrectiveAction.Colour.RED:
                deadlines.make_red(action, now)
    return action

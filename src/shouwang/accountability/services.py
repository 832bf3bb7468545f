"""Every write to findings and their settings: permission, change and timeline event together."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.escalation.levels import Severity
from shouwang.reports.attachments import check_upload

from . import detector
from .models import Finding, FindingAttachment, ReportingLimit
from .permissions import can_decide, can_edit_limits, can_run_detector

MAX_TEXT = 4000
MAX_FILES = 5
MAX_LIMIT_MINUTES = 7 * 24 * 60
LEVELS = ("", "college", "office:student_affairs", "school")


def detector_run(*, actor, now=None) -> dict:
    """学生处's button and the command: run the detector over the whole record now."""
    now = now or timezone.now()
    if actor is not None and not can_run_detector(actor):
        raise PermissionDenied(_("Only 学生处 and those who decide findings may run the detector."))
    return detector.detect(now=now, actor=actor)


def finding_explain(*, actor, finding: Finding, text: str, attachments=(), now=None) -> Finding:
    """说明: the person named explains, with evidence files (the same checks as reports)."""
    now = now or timezone.now()
    if not getattr(actor, "pk", None) or finding.person_id != actor.pk:
        raise PermissionDenied(_("Only the person this finding names may explain it."))
    errors: dict = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = [_("Write your explanation.")]
    elif len(text) > MAX_TEXT:
        errors["text"] = [_("Keep the explanation under %(n)d characters.") % {"n": MAX_TEXT}]
    attachments = list(attachments)
    if len(attachments) > MAX_FILES:
        errors["attachments"] = [_("Attach at most %(n)d files.") % {"n": MAX_FILES}]
    checked = []
    for upload in attachments[:MAX_FILES]:
        try:
            checked.append((upload, check_upload(upload)))
        except ValidationError as exc:
            errors.setdefault("attachments", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        if finding.state not in (Finding.State.OPEN, Finding.State.EXPLAINED):
            raise ValidationError({"text": [_("This finding is already decided.")]})
        finding.explanation, finding.explained_by, finding.explained_at = text, actor, now
        finding.state = Finding.State.EXPLAINED
        finding.save(update_fields=["explanation", "explained_by", "explained_at", "state"])
        for upload, facts in checked:
            FindingAttachment.objects.create(
                finding=finding, file=upload, uploaded_by=actor, at=now, **facts
            )
        event_record(
            actor=actor,
            subject=finding,
            verb="finding.explained",
            at=now,
            data={"text": text, "attachments": [f["sha256"] for _u, f in checked]},
        )
    return finding


def finding_decide(
    *, actor, finding: Finding, outcome: str, reason: str, deliberate: bool | None = None, now=None
) -> Finding:
    """尽职免责 (exempted) or 失职追责 (confirmed), by a role given the power, with the reason."""
    now = now or timezone.now()
    if not can_decide(actor):
        raise PermissionDenied(
            _(
                "Deciding findings is for the roles given that power "
                "(the head of 学生处, 纪委, 组织人事)."
            )
        )
    errors = {}
    if outcome not in (Finding.State.EXEMPTED, Finding.State.CONFIRMED):
        errors["outcome"] = [_("Choose: exempted (duty done) or confirmed (held to account).")]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Give the reason for the decision.")]
    elif len(reason) > MAX_TEXT:
        errors["reason"] = [_("Keep the reason under %(n)d characters.") % {"n": MAX_TEXT}]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        finding = Finding.objects.select_for_update().get(pk=finding.pk)
        if finding.state in (Finding.State.EXEMPTED, Finding.State.CONFIRMED):
            raise ValidationError({"outcome": [_("This finding is already decided.")]})
        finding.state, finding.decided_by, finding.decided_at = outcome, actor, now
        finding.decision_reason = reason
        if finding.kind == Finding.Kind.FALSE_REPORT:
            finding.deliberate = (
                deliberate if deliberate is not None else outcome == Finding.State.CONFIRMED
            )
        finding.save(
            update_fields=["state", "decided_by", "decided_at", "decision_reason", "deliberate"]
        )
        event_record(
            actor=actor,
            subject=finding,
            verb="finding.decided",
            at=now,
            data={"outcome": outcome, "reason": reason, "deliberate": finding.deliberate},
        )
    return finding


def limit_set(
    *, actor, severity: str, minutes, required_at: str = "", category=None, now=None
) -> ReportingLimit:
    """学生处 edits a limit (category × severity; no category: the default for the severity)."""
    now = now or timezone.now()
    if not can_edit_limits(actor):
        raise PermissionDenied(_("Only 学生处 may edit the reporting limits."))
    errors = {}
    if severity not in Severity.values:
        errors["severity"] = [_("Choose a severity.")]
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = None
    if minutes is None or not 1 <= minutes <= MAX_LIMIT_MINUTES:
        errors["minutes"] = [
            _("Enter whole minutes between 1 and %(n)d.") % {"n": MAX_LIMIT_MINUTES}
        ]
    if required_at not in LEVELS:
        errors["required_at"] = [_("Choose a level from the list.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        limit, _created = ReportingLimit.objects.select_for_update().get_or_create(
            category=category,
            severity=severity,
            defaults={"minutes": minutes, "required_at": required_at},
        )
        before = {"minutes": limit.minutes, "required_at": limit.required_at}
        limit.minutes, limit.required_at = minutes, required_at
        limit.save(update_fields=["minutes", "required_at"])
        event_record(
            actor=actor,
            subject=limit,
            verb="limit.set",
            at=now,
            data={
                "category": category.code if category else None,
                "severity": severity,
                "before": before,
                "minutes": minutes,
                "required_at": required_at,
            },
        )
    return limit

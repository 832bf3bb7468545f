"""What the people a report reaches do with it: acknowledge (the one entry point), verify,
decide how it is handled, change its severity, answer the decision with a plan (called by the
incidents app), record that it was reported outside the school."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang import bounds
from shouwang.audit.services import batched_events, event_record

from .. import hooks, route, selectors
from ..models import SEVERITY_ORDER, ExternalReport, Recipient, Report, Severity
from ..permissions import approves_downgrade, can_verify


def report_acknowledge(*, actor, report: Report, channel: str, note: str = "", now=None) -> Report:
    """确认收到 — the one entry point: the inbox, the report page, the API and the one-tap link
    (acklinks.ack_link_use, after checking the link) all come here. Only a person asked to
    acknowledge may; the first acknowledgement stops the chain."""
    now = now or timezone.now()
    with transaction.atomic(), batched_events():
        if not Recipient.objects.filter(
            report=report, person=actor, purpose=Recipient.Purpose.ACK
        ).exists():
            raise PermissionDenied(
                _("Only the people asked to acknowledge this report can acknowledge it.")
            )
        return route.acknowledge_locked(
            report=report, person=actor, channel=channel, note=note, now=now
        )


def report_verify(
    *,
    actor,
    report: Report,
    verdict: str,
    note: str = "",
    duplicate_of: Report | None = None,
    now=None,
) -> Report:
    """核实: true, false, or a duplicate merged into the original (both timelines kept)."""
    now = now or timezone.now()
    if not can_verify(actor, report):
        raise PermissionDenied
    if verdict not in (
        Report.Verification.TRUE,
        Report.Verification.FALSE,
        Report.Verification.DUPLICATE,
    ):
        raise ValidationError({"verdict": _("Choose true, false or duplicate.")})
    if verdict == Report.Verification.DUPLICATE:
        if duplicate_of is None or duplicate_of.pk == report.pk or duplicate_of.duplicate_of_id:
            raise ValidationError(
                {"duplicate_of": _("Choose the original report this one repeats.")}
            )
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        report.verification = verdict
        report.duplicate_of = duplicate_of if verdict == Report.Verification.DUPLICATE else None
        report.save(update_fields=["verification", "duplicate_of"])
        event_record(
            actor=actor,
            subject=report,
            verb="report.verified",
            at=now,
            data={
                "verdict": verdict,
                "note": note,
                "duplicate_of": duplicate_of.pk if duplicate_of else None,
            },
        )
        if duplicate_of is not None and verdict == Report.Verification.DUPLICATE:
            event_record(
                actor=actor,
                subject=duplicate_of,
                verb="report.duplicate_merged",
                at=now,
                data={"duplicate": report.pk, "note": note},
            )
    return report


def report_decide(*, actor, report: Report, decision: str, note: str = "", now=None) -> Report:
    now = now or timezone.now()
    if not can_verify(actor, report):
        raise PermissionDenied
    if report.verification != Report.Verification.TRUE:
        raise ValidationError(
            {"decision": _("Verify the report as true before deciding how to handle it.")}
        )
    if decision not in (Report.Decision.LOCAL, Report.Decision.ESCALATE, Report.Decision.PLAN):
        raise ValidationError(
            {"decision": _("Choose: handle locally, escalate, or activate an emergency plan.")}
        )
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        # The stored verdict decides, not the copy the caller holds (re-verified meanwhile?).
        if report.verification != Report.Verification.TRUE:
            raise ValidationError(
                {"decision": _("Verify the report as true before deciding how to handle it.")}
            )
        report.decision = decision
        report.save(update_fields=["decision"])
        event_record(
            actor=actor,
            subject=report,
            verb="report.decided",
            at=now,
            data={"decision": decision, "note": note},
        )
        hooks.decided(actor=actor, report=report, decision=decision, now=now)
    return report


def report_severity_change(
    *, actor, report: Report, severity: str, reason: str, now=None
) -> Report:
    """定级调整: change a report's severity, with a reason. Those who verify may (the frozen route
    stays as filed); a downgrade by the school level (学生处, the school's leaders) is recorded
    as approved, anyone else's as not — the 瞒报 rule reads which it was."""
    now = now or timezone.now()
    if not can_verify(actor, report):
        raise PermissionDenied
    errors = {}
    if severity not in Severity.values:
        errors["severity"] = _("Choose a severity: general, larger, major or especially major.")
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason for changing the severity.")
    elif len(reason) > bounds.MAX_TEXT:
        errors["reason"] = _("At most %(limit)d characters.") % {"limit": bounds.MAX_TEXT}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if severity == report.severity:
            raise ValidationError({"severity": _("The report already has this severity.")})
        before = report.severity
        downgrade = SEVERITY_ORDER.index(severity) < SEVERITY_ORDER.index(before)
        report.severity = severity
        report.save(update_fields=["severity"])
        event_record(
            actor=actor,
            subject=report,
            verb="report.severity_changed",
            at=now,
            data={
                "from": before,
                "to": severity,
                "reason": reason.strip(),
                "downgrade": downgrade,
                "approved": bool(downgrade and approves_downgrade(actor)),
            },
        )
    return report


def report_plan_activated(
    *,
    actor,
    report: Report,
    incident_id: int,
    plan_code: str,
    level: str,
    plan_title: str = "",
    now=None,
) -> Report:
    """Activating a plan from a report answers the report's decision (R-REP-5: handle locally,
    escalate, or a plan). The incidents app calls this in its activation transaction, having
    checked that the actor may activate; here: the report must be one the actor may see, and
    verified true."""
    now = now or timezone.now()
    if not selectors.reports_visible(actor).filter(pk=report.pk).exists():
        raise PermissionDenied
    if report.verification != Report.Verification.TRUE:
        raise ValidationError(
            {"report": [_("Verify the report as true before activating a plan for it.")]}
        )
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        report.decision = Report.Decision.PLAN
        report.save(update_fields=["decision"])
        event_record(
            actor=actor,
            subject=report,
            verb="report.plan_activated",
            at=now,
            data={
                "incident": incident_id,
                "plan": plan_code,
                "plan_title": plan_title,
                "level": level,
            },
        )
    return report


def report_external_record(
    *, actor, report: Report, recipient_kind: str, recipient: str, content: str, sent_at, now=None
) -> ExternalReport:
    now = now or timezone.now()
    if not can_verify(actor, report):
        raise PermissionDenied
    errors = {}
    if recipient_kind not in ExternalReport.RecipientKind.values:
        errors["recipient_kind"] = _("Choose who was reported to.")
    if not (recipient or "").strip():
        errors["recipient"] = _("Name the office or person reported to.")
    if not (content or "").strip():
        errors["content"] = _("Record what was reported.")
    if sent_at is None or sent_at > now + timedelta(minutes=settings.REPORT_CLOCK_SKEW_MINUTES):
        errors["sent_at"] = _("Enter when it was reported (not in the future).")
    elif time_problem := bounds.implausible_time(sent_at):
        errors["sent_at"] = time_problem
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        external = ExternalReport.objects.create(
            report=report,
            recipient_kind=recipient_kind,
            recipient=recipient.strip(),
            content=content.strip(),
            sent_at=sent_at,
            recorded_by=actor,
            recorded_at=now,
        )
        event_record(
            actor=actor,
            subject=report,
            verb="report.reported_externally",
            at=now,
            data={
                "recipient_kind": recipient_kind,
                "recipient": external.recipient,
                "content": external.content,
                "sent_at": sent_at.isoformat(),
            },
        )
    return external

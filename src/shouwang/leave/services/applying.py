"""A student's own requests: `leave_apply` (leave or off-campus lodging; the chain's
first staffed step is asked) and `leave_cancel` (withdrawn before it begins); the bounds on
what a request may say (TEXT_MAX, HOW_FAR_AHEAD, HOW_FAR_BACK) and LIVE, the states that
may not overlap."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.escalation.services import deadlines_cancel
from shouwang.org.models import Student
from shouwang.org.permissions import student_of

from .. import permissions
from ..chain import chain, leave_days
from ..models import Leave
from .common import SUBJECT, _ask, _locked

LIVE = (Leave.State.PENDING, Leave.State.APPROVED)
# Bounds on what a request may say (a form or the API): never an unbounded input.
TEXT_MAX = {"reason": 500, "destination": 200, "emergency_name": 50, "address": 200}
HOW_FAR_AHEAD = datetime.timedelta(days=366)
HOW_FAR_BACK = datetime.timedelta(days=7)  # a sudden illness is reported a few days late


def _clean(kind, start_at, end_at, texts, guardian_consent, now) -> dict:
    errors: dict[str, str] = {}
    if kind not in Leave.Kind.values:
        errors["kind"] = _("Choose leave or off-campus lodging.")
    for name, limit in TEXT_MAX.items():
        if len(texts.get(name, "")) > limit:
            errors[name] = _("At most %(n)d characters.") % {"n": limit}
    if not texts.get("reason"):
        errors["reason"] = _("Say why.")
    if kind == Leave.Kind.LEAVE:
        if not texts.get("destination"):
            errors["destination"] = _("Say where you will be.")
        if not texts.get("emergency_name") or not texts.get("emergency_phone"):
            errors["emergency_phone"] = _("Give an emergency contact and their phone.")
    if kind == Leave.Kind.OFF_CAMPUS:
        if not texts.get("address"):
            errors["address"] = _("Give the address where you will live.")
        if not guardian_consent:
            errors["guardian_consent"] = _("Off-campus lodging needs your guardian's consent.")
    phone = texts.get("emergency_phone", "")
    if phone and (len(phone) > 20 or not phone.replace("-", "").isdigit()):
        errors["emergency_phone"] = _("Enter a valid phone number.")
    if start_at is None or end_at is None:
        errors["start_at"] = _("Give when it starts and ends.")
    elif end_at <= start_at:
        errors["end_at"] = _("The end must be after the start.")
    elif start_at < now - HOW_FAR_BACK or end_at > now + HOW_FAR_AHEAD:
        errors["start_at"] = _("Dates must lie between a week ago and a year ahead.")
    elif kind == Leave.Kind.LEAVE and leave_days(start_at, end_at) > chain().max_days:
        errors["end_at"] = _(
            "Leave longer than a third of a term is not leave: apply for a suspension of "
            "studies (休学) at the college."
        )
    return errors


@transaction.atomic
def leave_apply(
    *,
    actor,
    kind: str = Leave.Kind.LEAVE,
    start_at,
    end_at,
    reason: str,
    destination: str = "",
    emergency_name: str = "",
    emergency_phone: str = "",
    address: str = "",
    guardian_consent: bool = False,
    guardian_consent_note: str = "",
    now=None,
) -> Leave:
    """A student asks for leave or off-campus lodging for themselves. ValidationError (by
    field) for bad input, overlapping requests and leave over the limit."""
    now = now or timezone.now()
    student = student_of(actor)
    if student is None:
        raise PermissionDenied(_("Only a student applies for their own leave."))
    texts = {
        "reason": (reason or "").strip(),
        "destination": (destination or "").strip(),
        "emergency_name": (emergency_name or "").strip(),
        "emergency_phone": (emergency_phone or "").strip(),
        "address": (address or "").strip(),
    }
    errors = _clean(kind, start_at, end_at, texts, guardian_consent, now)
    if not errors:
        # Lock the student: two requests sent at once cannot both pass the overlap check.
        Student.objects.select_for_update().filter(pk=student.pk).first()
        if Leave.objects.filter(
            student=student, state__in=LIVE, start_at__lt=end_at, end_at__gt=start_at
        ).exists():
            errors["start_at"] = _("You already have a leave request for part of this time.")
    if errors:
        raise ValidationError(errors)
    rules = chain()
    if kind == Leave.Kind.OFF_CAMPUS:
        steps = list(rules.off_campus_steps)
    else:
        steps = list(rules.steps_for(leave_days(start_at, end_at)))
    # A role nobody holds for this student is skipped on the record, not waited for forever.
    staffed = [r for r in steps if permissions.role_holders(student, r)]
    if not staffed:
        raise ValidationError({"start_at": _("Nobody can approve this yet: ask your counsellor.")})
    leave = Leave.objects.create(
        student=student,
        kind=kind,
        start_at=start_at,
        end_at=end_at,
        guardian_consent=bool(guardian_consent),
        guardian_consent_note=(guardian_consent_note or "").strip()[:200],
        chain=staffed,
        step=0,
        step_role=staffed[0],
        created_by=actor,
        created_at=now,
        **texts,
    )
    event_record(
        actor=actor,
        subject=leave,
        verb="leave.applied",
        data={
            "kind": kind,
            "student": student.student_no,
            "start_at": start_at.isoformat(),
            "end_at": end_at.isoformat(),
            "chain": staffed,
            "skipped": [r for r in steps if r not in staffed],
        },
        at=now,
    )
    _ask(leave, now)
    return leave


@transaction.atomic
def leave_cancel(*, actor, leave: Leave, now=None) -> Leave:
    """The student withdraws a request still waiting, or an approved leave not yet begun."""
    now = now or timezone.now()
    leave = _locked(leave)
    student = student_of(actor)
    if student is None or student.pk != leave.student_id:
        raise PermissionDenied
    if not (
        leave.state == Leave.State.PENDING
        or (leave.state == Leave.State.APPROVED and leave.start_at > now)
    ):
        raise ValidationError({"state": _("Only a request not yet begun can be withdrawn.")})
    leave.state = Leave.State.CANCELLED
    leave.save(update_fields=["state"])
    deadlines_cancel(subject_type=SUBJECT, subject_id=leave.pk, now=now, outcome="withdrawn")
    event_record(actor=actor, subject=leave, verb="leave.cancelled", at=now)
    return leave

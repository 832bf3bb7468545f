"""Approving along the chain: `leave_decide` (the step's approver approves — the next
step is asked, or the leave is approved with its overdue deadline — or refuses, saying
why)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.escalation.services import deadlines_cancel, deadlines_schedule

from .. import permissions
from ..chain import chain
from ..models import Decision, Leave
from .common import OVERDUE_KIND, STEP_KIND, SUBJECT, _ask, _locked, _tell_student


@transaction.atomic
def leave_decide(*, actor, leave: Leave, verdict: str, note: str = "", now=None) -> Leave:
    """The step's approver approves (the next step is asked, or the leave is approved) or
    refuses (a note saying why is required)."""
    now = now or timezone.now()
    leave = _locked(leave)
    note = (note or "").strip()
    if verdict not in Decision.Verdict.values:
        raise ValidationError({"verdict": _("Approve or refuse.")})
    if len(note) > 500:
        raise ValidationError({"note": _("At most %(n)d characters.") % {"n": 500}})
    if leave.state != Leave.State.PENDING:
        raise ValidationError({"verdict": _("This request was already decided.")})
    if not permissions.may_decide(actor, leave):
        raise PermissionDenied(_("This step is not yours to decide."))
    if verdict == Decision.Verdict.REFUSED and not note:
        raise ValidationError({"note": _("Say why you refuse.")})
    Decision.objects.create(
        leave=leave,
        step=leave.step,
        role=leave.step_role,
        person=actor,
        verdict=verdict,
        note=note,
        at=now,
    )
    deadlines_cancel(
        subject_type=SUBJECT, subject_id=leave.pk, now=now, outcome="decided", kinds_in=[STEP_KIND]
    )
    data = {"step": leave.step, "role": leave.step_role, "note": note}
    if verdict == Decision.Verdict.REFUSED:
        leave.state, leave.decided_at = Leave.State.REFUSED, now
        leave.save(update_fields=["state", "decided_at"])
        event_record(actor=actor, subject=leave, verb="leave.refused", data=data, at=now)
        _tell_student(leave, kind="leave.refused", title=_("Your leave was refused"), now=now)
        return leave
    if leave.step + 1 < len(leave.chain):
        event_record(actor=actor, subject=leave, verb="leave.step_approved", data=data, at=now)
        leave.step += 1
        leave.step_role = leave.chain[leave.step]
        leave.save(update_fields=["step", "step_role"])
        _ask(leave, now)
        return leave
    leave.state, leave.decided_at = Leave.State.APPROVED, now
    leave.save(update_fields=["state", "decided_at"])
    event_record(actor=actor, subject=leave, verb="leave.approved", data=data, at=now)
    if leave.kind == Leave.Kind.LEAVE:
        deadlines_schedule(
            deadlines=[
                {
                    "kind": OVERDUE_KIND,
                    "subject_type": SUBJECT,
                    "subject_id": leave.pk,
                    "due_at": leave.end_at + datetime.timedelta(hours=chain().return_grace_hours),
                }
            ],
            now=now,
        )
    _tell_student(leave, kind="leave.approved", title=_("Your leave was approved"), now=now)
    return leave

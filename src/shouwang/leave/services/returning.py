"""The return (销假): `leave_return` by the counsellor, `leaves_return_on_checkin` when
a student is seen on campus (monitoring's check-in hook); either resolves the report filed
when they were late, on its record."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.escalation.services import deadlines_cancel
from shouwang.reports.models import Report
from shouwang.reports.services import report_resolve_automatic

from .. import permissions
from ..models import Leave
from .common import REPORT_SOURCE, SUBJECT, _locked


def _returned(leave, *, actor, how, at, now):
    leave.state, leave.returned_at, leave.returned_how = Leave.State.RETURNED, at, how
    leave.save(update_fields=["state", "returned_at", "returned_how"])
    deadlines_cancel(subject_type=SUBJECT, subject_id=leave.pk, now=now, outcome="returned")
    event_record(
        actor=actor,
        subject=leave,
        verb="leave.returned",
        data={"how": how, "at": at.isoformat(), "late": leave.overdue_at is not None},
        at=now,
    )
    # The report filed when they were late is resolved on its record (never deleted).
    if leave.overdue_report_id:
        report = Report.objects.filter(pk=leave.overdue_report_id).first()
        if report is not None:
            note = _("Back and closed (销假) %(at)s (%(how)s)") % {
                "at": timezone.localtime(at).strftime("%m-%d %H:%M"),
                "how": _("closed by the counsellor") if how == "counsellor" else how,
            }
            report_resolve_automatic(report=report, note=note, source=REPORT_SOURCE, now=now)


@transaction.atomic
def leave_return(*, actor, leave: Leave, now=None) -> Leave:
    """销假 by the counsellor: the student is back."""
    now = now or timezone.now()
    leave = _locked(leave)
    if leave.state != Leave.State.APPROVED:
        raise ValidationError({"state": _("Only an approved leave can be closed.")})
    if not permissions.may_close(actor, leave):
        raise PermissionDenied
    _returned(leave, actor=actor, how="counsellor", at=now, now=now)
    return leave


def leaves_return_on_checkin(*, checkins, now) -> int:
    """monitoring.hooks.register_on_checkin: a student seen on campus after their leave began is
    back (销假). Runs in the check-ins' transaction; one query finds the leaves."""
    first_seen: dict[int, tuple] = {}
    for student_id, at, source in checkins:
        if student_id not in first_seen or at < first_seen[student_id][0]:
            first_seen[student_id] = (at, source)
    if not first_seen:
        return 0
    leaves = (
        Leave.objects.select_for_update()
        .filter(
            state=Leave.State.APPROVED,
            kind=Leave.Kind.LEAVE,
            start_at__lte=max(at for at, _s in first_seen.values()),
        )
        .filter(student_id__any_of=list(first_seen))
    )
    closed = 0
    for leave in leaves:
        at, source = first_seen[leave.student_id]
        if at >= leave.start_at:
            _returned(leave, actor=None, how=str(source)[:40] or "checkin", at=at, now=now)
            closed += 1
    return closed

"""The engine's acts (registered in apps.py): `lock_leave`, `step_act` (a step not
decided in time: remind, then tell the next role up, ESCALATE_TO), `overdue_act` (not back:
a report); and the auditor: `leaves_without_deadline` finds live obligations without their
deadline, `leaves_repair` puts it back."""

import datetime

from django.db import transaction
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.escalation.models import Deadline
from shouwang.escalation.services import deadlines_schedule
from shouwang.reports.services import reports_file_automatic

from .. import permissions
from ..chain import chain
from ..models import Leave
from .common import OVERDUE_KIND, REPORT_SOURCE, STEP_KIND, SUBJECT, _tell

# Who is told when a step's approver does not decide in time: the next role up.
ESCALATE_TO = {
    "counsellor": "deputy_secretary",
    "deputy_secretary": "leader",
    "leader": "student_affairs_officer",
}

# ---- the engine's acts (registered in apps.py) ---------------------------------------------


def lock_leave(subject_id):
    return (
        # Only the leave row: student.user is nullable (an outer join PostgreSQL cannot lock).
        Leave.objects.select_for_update(of=("self",))
        .select_related("student__klass", "student__user")
        .filter(pk=subject_id)
        .first()
    )


def step_act(deadline, leave, now) -> str:
    """A step not decided in time: remind its approvers; the second time, tell the next role up
    as well (and give them a deadline no more: the record shows who was late)."""
    step, attempt = divmod(deadline.fence, 10)
    if leave.state != Leave.State.PENDING or step != leave.step:
        return "stale"
    holders = permissions.role_holders(leave.student, leave.step_role)
    if attempt == 0:
        _tell(
            leave,
            kind="leave.reminder",
            title=_("Reminder: leave waiting for your decision: %(student)s")
            % {"student": leave.student.name},
            recipients=holders,
            now=now,
        )
        deadlines_schedule(
            deadlines=[
                {
                    "kind": STEP_KIND,
                    "subject_type": SUBJECT,
                    "subject_id": leave.pk,
                    "fence": deadline.fence + 1,
                    "due_at": now + datetime.timedelta(hours=chain().escalate_hours),
                }
            ],
            now=now,
        )
        event_record(
            actor=None,
            subject=leave,
            verb="leave.step_reminded",
            data={"step": step, "role": leave.step_role, "to": [p.pk for p in holders]},
            at=now,
        )
        return "reminded"
    above = ESCALATE_TO.get(leave.step_role, "student_affairs_officer")
    told = permissions.role_holders(leave.student, above)
    _tell(
        leave,
        kind="leave.escalated",
        title=_("Leave not decided in time: %(student)s (waiting for %(role)s)")
        % {"student": leave.student.name, "role": permissions.role_label(leave.step_role)},
        recipients=told + holders,
        now=now,
    )
    event_record(
        actor=None,
        subject=leave,
        verb="leave.step_escalated",
        data={"step": step, "role": leave.step_role, "to_role": above, "to": [p.pk for p in told]},
        at=now,
    )
    return "escalated"


def overdue_act(deadline, leave, now) -> str:
    """The leave ended (plus grace) and the student is not back: a report about them."""
    if leave.state != Leave.State.APPROVED or leave.overdue_at is not None:
        return "stale"
    leave.overdue_at = now
    leave.save(update_fields=["overdue_at"])
    end = timezone.localtime(leave.end_at).strftime("%Y-%m-%d %H:%M")
    description = _(
        "%(name)s has not returned from leave (%(destination)s): due back %(end)s, not closed "
        "(销假) %(hours)d hours later."
    ) % {
        "name": leave.student.name,
        "destination": leave.destination or "—",
        "end": end,
        "hours": chain().return_grace_hours,
    }
    reported = reports_file_automatic(
        source=REPORT_SOURCE,
        items=[
            {
                "key": f"leave_overdue:{leave.pk}",
                "category": "missing_student",
                "severity": "general",
                "unit": leave.student.klass,
                "students": [leave.student],
                "occurred_at": min(leave.end_at, now),
                "place": leave.destination or "",
                "description": description,
            }
        ],
        now=now,
    )
    if reported:
        leave.overdue_report_id = reported[0].pk
        leave.save(update_fields=["overdue_report_id"])
    event_record(
        actor=None,
        subject=leave,
        verb="leave.overdue",
        data={"end_at": leave.end_at.isoformat(), "reports": [r.pk for r in reported]},
        at=now,
    )
    return "reported"


# ---- the auditor (registered in apps.py): every live obligation has its deadline -----------


def _deadlines(kind):
    return Deadline.objects.filter(
        kind=kind, subject_type=SUBJECT, subject_id=Cast(OuterRef("pk"), CharField())
    )


def leaves_without_deadline() -> list[int]:
    """Requests waiting at a step that has no deadline at all (neither reminder nor escalation),
    and approved leave never closed that has no overdue deadline: one anti-join each."""
    step = _deadlines(STEP_KIND).filter(
        fence__gte=OuterRef("step") * 10, fence__lte=OuterRef("step") * 10 + 1
    )
    waiting = Leave.objects.filter(state=Leave.State.PENDING).filter(~Exists(step))
    away = Leave.objects.filter(
        state=Leave.State.APPROVED, kind=Leave.Kind.LEAVE, overdue_at__isnull=True
    ).filter(~Exists(_deadlines(OVERDUE_KIND)))
    return sorted({*waiting.values_list("pk", flat=True), *away.values_list("pk", flat=True)})


def leaves_repair(*, now, **kwargs) -> int:
    """Put back the missing deadlines, on each leave's record."""
    repaired = 0
    for pk in leaves_without_deadline():
        with transaction.atomic():
            leave = lock_leave(pk)
            if leave is None:
                continue
            if leave.state == Leave.State.PENDING:
                kind, due = STEP_KIND, now
                deadline = {"fence": leave.step * 10}
            else:
                kind = OVERDUE_KIND
                due = max(now, leave.end_at + datetime.timedelta(hours=chain().return_grace_hours))
                deadline = {}
            deadlines_schedule(
                deadlines=[
                    {
                        "kind": kind,
                        "subject_type": SUBJECT,
                        "subject_id": leave.pk,
                        "due_at": due,
                        **deadline,
                    }
                ],
                now=now,
            )
            event_record(
                actor=None, subject=leave, verb="leave.deadline_restored", data={"kind": kind}
            )
            repaired += 1
    return repaired

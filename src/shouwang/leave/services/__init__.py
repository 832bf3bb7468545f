"""Every write to leave: apply, decide step by step, withdraw, 销假 (by hand or by a check-in),
and what the engine does when an approver or a returning student is late.

Where things are (import them from here, `shouwang.leave.services`):
- `applying.py`: the student's own requests — `leave_apply` (leave or off-campus lodging, for
  themselves; the chain's first staffed step is asked), `leave_cancel` (withdrawn while
  waiting, or approved and not yet begun); the bounds on a request (TEXT_MAX, HOW_FAR_AHEAD,
  HOW_FAR_BACK) and LIVE, the states that may not overlap.
- `approval.py`: approving along the chain — `leave_decide` (approve: the next step is asked,
  or the leave is approved with its overdue deadline; refuse: a note says why).
- `returning.py`: the return (销假) — `leave_return` (by the counsellor),
  `leaves_return_on_checkin` (monitoring's check-in hook, registered in apps.py); the report
  filed when the student was late is resolved on its record.
- `acts.py`: the engine's acts (`lock_leave`, `step_act` — remind, then tell the next role up,
  ESCALATE_TO — and `overdue_act`, a report about a student not back) and the auditor
  (`leaves_without_deadline`, `leaves_repair`), registered in apps.py.
- `common.py`: what they share — the engine's subject type and deadline kinds (SUBJECT,
  STEP_KIND, OVERDUE_KIND), REPORT_SOURCE (only leave resolves its own automatic reports), the
  messages, asking a step's approvers (told, with a deadline) and the leave locked for a
  change."""

from .acts import (
    ESCALATE_TO,
    leaves_repair,
    leaves_without_deadline,
    lock_leave,
    overdue_act,
    step_act,
)
from .applying import HOW_FAR_AHEAD, HOW_FAR_BACK, LIVE, TEXT_MAX, leave_apply, leave_cancel
from .approval import leave_decide
from .common import OVERDUE_KIND, REPORT_SOURCE, STEP_KIND, SUBJECT
from .returning import leave_return, leaves_return_on_checkin

__all__ = [
    "ESCALATE_TO",
    "HOW_FAR_AHEAD",
    "HOW_FAR_BACK",
    "LIVE",
    "OVERDUE_KIND",
    "REPORT_SOURCE",
    "STEP_KIND",
    "SUBJECT",
    "TEXT_MAX",
    "leave_apply",
    "leave_cancel",
    "leave_decide",
    "leave_return",
    "leaves_repair",
    "leaves_return_on_checkin",
    "leaves_without_deadline",
    "lock_leave",
    "overdue_act",
    "step_act",
]

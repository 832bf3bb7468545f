"""What the engine decides for a subject about to be routed: the route it will take, from the
matching policy, as the policy writes it. A subject app freezes the result onto its subject
(reports.route.route_freeze) so that a later edit of the policy neither skips nor repeats a step.

The night (and holiday) duty officer (R-ORG-4): a policy whose steps name `duty_officer` (the
shipped night-absence policy: 22:30 dorm check → 23:00 counsellor → 23:30 duty teacher and college
secretary → 24:00 学生处) is followed as written, the person on the roster joining the step that
names the role; for a policy that names none, the person on duty is informed at once
(`inform_duty`), rather than made a step in front that would delay the counsellor."""

from django.utils import timezone

from . import routing
from .planner import DUTY_ROLE
from .policies import policy_for


def names_duty_officer(steps) -> bool:
    return any(DUTY_ROLE in step["roles"] for step in steps)


def route_plan(category, severity, now) -> dict:
    """The route a subject of `category` × `severity` filed now would take: the matching
    policy's steps as written, and whether the person on duty is to be informed at once (at
    night or on a holiday, when no step names the duty officer). Computed before the subject
    is stored, so it is stored with it."""
    policy = policy_for(category, severity, holiday_on=timezone.localdate(now))
    if policy is None:
        raise RuntimeError("no active escalation policy matches; load the defaults with migrate")
    steps = [dict(step) for step in policy.steps]
    duty_time = routing.is_duty_time(now, holiday=policy.is_holiday)
    return {
        "policy_name": policy.name,
        "policy_version": policy.version,
        "route": steps,
        "current_step": policy.start_step,
        "inform_duty": duty_time and not names_duty_officer(steps),
    }

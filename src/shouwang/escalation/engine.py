"""What the engine decides for a subject about to be routed: the route it will take, from the
matching policy, with the night or holiday duty officer put first. A subject app freezes the
result onto its subject (reports.route.route_freeze) so that a later edit of the policy neither
skips nor repeats a step."""

from django.conf import settings
from django.utils import timezone

from . import routing
from .planner import DUTY_LEVEL
from .policies import policy_for


def route_plan(category, severity, now) -> dict:
    """The route a subject of `category` × `severity` filed now would take: the matching
    policy's steps, with the night or holiday duty officer put first. Computed before the
    subject is stored, so it is stored with it."""
    policy = policy_for(category, severity, holiday_on=timezone.localdate(now))
    if policy is None:
        raise RuntimeError("no active escalation policy matches; load the defaults with migrate")
    steps = [dict(step) for step in policy.steps]
    start = policy.start_step
    # At night and on holidays the person on duty receives first (R-ORG-4).
    if routing.is_duty_time(now, holiday=policy.is_holiday):
        steps.insert(start, {"roles": ["duty_officer"], "at": DUTY_LEVEL, "ack_minutes": settings.DUTY_ACK_MINUTES})
    return {"policy_name": policy.name, "policy_version": policy.version, "route": steps, "current_step": start}

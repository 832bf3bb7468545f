"""Who may do what in an incident. Reads are scoped in selectors.py; these are the rules for
writes, each named after what it allows."""

from shouwang.org.models import Post

# Who may activate a plan (open an incident) is the plans app's rule; incidents enforces it.
from shouwang.plans.permissions import ACTIVATOR_ROLES, can_activate, can_activate_any  # noqa: F401

PUBLICITY_ROLES = ("publicity_officer",)


def _holds(user, roles) -> bool:
    return (
        Post.objects.current()
        .filter(person=user, role__code__in=roles, person__is_active=True)
        .exists()
    )


def seats_of(user, incident) -> set[str]:
    """The command-group positions the user fills in this incident."""
    return set(incident.group.filter(person=user).values_list("position", flat=True))


def may_decide(user, incident, authority: str) -> bool:
    """authority from the plan: head (组长 only), deputy (组长 or 副组长), group (any seat)."""
    return _may_decide(seats_of(user, incident), authority)


def _may_decide(seats, authority) -> bool:
    allowed = {"head": {"head"}, "deputy": {"head", "deputy"}}.get(authority)
    return bool(seats & allowed) if allowed is not None else bool(seats)


def decisions_allowed(user, incident, points) -> list[dict]:
    """The plan's decision points the user may record (may_decide for each, one query)."""
    seats = seats_of(user, incident)
    return [p for p in points if _may_decide(seats, p.get("authority", "group"))]


def can_command(user, incident) -> bool:
    """Change the level or close: the group head or a deputy, or whoever activated it."""
    return user.pk == incident.activated_by_id or bool(
        seats_of(user, incident) & {"head", "deputy"}
    )


def is_involved(user, incident) -> bool:
    """In the command group, or owns a task: may report situation, arrive, draft statements."""
    return (
        user.pk == incident.activated_by_id
        or incident.group.filter(person=user).exists()
        or incident.tasks.filter(assignee=user).exists()
    )


def can_publish(user) -> bool:
    """Only the publicity office (党委宣传部/党群工作部) releases information (R-PLAN-6)."""
    return (
        getattr(user, "is_authenticated", False)
        and user.is_active
        and _holds(user, PUBLICITY_ROLES)
    )

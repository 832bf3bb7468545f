"""Who may edit plans and the resource register (the offices that own emergency response), and
who may activate a plan (the incidents app opens the incident and enforces it; the plan pages
offer the button by it)."""

from shouwang.org.models import Post
from shouwang.org.scope import scope_for

PLAN_MANAGER_ROLES = (
    "student_affairs_officer",
    "school_leader",
    "security_officer",
    "academic_officer",
)


def can_manage_plans(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Post.objects.current().filter(person=user, role__code__in=PLAN_MANAGER_ROLES).exists()


# Roles that may open an incident for a unit in their scope: the offices, unit heads and the
# college deputy secretary (the people the seeds put in charge of 先期处置).
ACTIVATOR_ROLES = (
    "school_leader",
    "student_affairs_officer",
    "security_officer",
    "academic_officer",
    "psych_staff",
    "leader",
    "deputy_secretary",
)


def _holds(user, roles) -> bool:
    return (
        Post.objects.current()
        .filter(person=user, role__code__in=roles, person__is_active=True)
        .exists()
    )


def can_activate(user, unit) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return _holds(user, ACTIVATOR_ROLES) and scope_for(user).contains_path(unit.path)


def can_activate_any(user) -> bool:
    """May activate a plan for some unit (can_activate then checks the unit): whether to
    offer it."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or _holds(user, ACTIVATOR_ROLES)

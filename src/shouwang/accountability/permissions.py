"""Who may see and decide findings. A counsellor sees their own line; a college head (rank of a
分管学生工作副书记 and up) and the offices see the findings in their scope; deciding is for
the roles given that power (DecisionPower rows: the head of 学生处, 纪委, 组织人事)."""

from django.db.models import Q

from shouwang.org.models import Post

from .models import DecisionPower

# A post of this rank or above sees the findings of the units it covers (a college head: 60).
SEES_UNIT_RANK = 60


def _person(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "pk", None))


def sees_unit_findings(user) -> bool:
    if not _person(user):
        return False
    return (
        user.is_superuser
        or Post.objects.current().filter(person=user, role__rank__gte=SEES_UNIT_RANK).exists()
    )


def can_decide(user) -> bool:
    """Holds a post with the power to decide findings (the rows say which)."""
    if not _person(user):
        return False
    if user.is_superuser:
        return True
    q = Q(pk__in=[])
    for role_id, function in DecisionPower.objects.values_list("role_id", "unit_function"):
        q |= Q(role_id=role_id, **({"unit__function": function} if function else {}))
    return Post.objects.current().filter(q, person=user).exists()


def can_run_detector(user) -> bool:
    """学生处 (its officers and head) and the deciders may run the detector now."""
    if not _person(user):
        return False
    return (
        user.is_superuser
        or can_decide(user)
        or Post.objects.current().filter(person=user, role__code="student_affairs_officer").exists()
    )


def can_edit_limits(user) -> bool:
    """The limits are 学生处's to edit."""
    if not _person(user):
        return False
    return (
        user.is_superuser
        or Post.objects.current()
        .filter(
            Q(role__code="student_affairs_officer")
            | Q(role__code="leader", unit__function="student_affairs"),
            person=user,
        )
        .exists()
    )

"""Who may edit plans and the resource register: the offices that own emergency response."""

from shouwang.org.models import Post

PLAN_MANAGER_ROLES = ("student_affairs_officer", "school_leader", "security_officer", "academic_officer")


def can_manage_plans(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Post.objects.current().filter(person=user, role__code__in=PLAN_MANAGER_ROLES).exists()

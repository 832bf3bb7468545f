"""Who may change the organisation. Reads are governed by scope.py; writes by these rules."""

from .models import Post

# Roles whose holders maintain the register and the posts for the whole school.
ORG_MANAGER_ROLES = ("student_affairs_officer", "school_leader")


def can_manage_org(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Post.objects.current().filter(person=user, role__code__in=ORG_MANAGER_ROLES).exists()

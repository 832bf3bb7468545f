"""Who may do what with a report. Visibility itself lives in selectors.reports_visible."""

from shouwang.org.models import Post, Unit
from shouwang.org.permissions import sees_covert_identity  # noqa: F401  (the rule is the organisation's)

from .covert import is_covert_observer  # noqa: F401
from .selectors import reports_visible

# The offices and leaders who verify reports and decide what happens next (R-REP-5).
VERIFIER_ROLES = (
    "deputy_secretary",
    "leader",
    "student_affairs_officer",
    "security_officer",
    "school_leader",
)


def can_verify(user, report) -> bool:
    """A verifier role, and the report within what the person may see (its unit or students)."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return False
    if user.is_superuser:
        return True
    if not Post.objects.current().filter(person=user, role__code__in=VERIFIER_ROLES).exists():
        return False
    return reports_visible(user).filter(pk=report.pk).exists()


# Who approves a downgrade of a report's severity: the school level (学生处, the school's
# leaders). A college's own downgrade is recorded too, as not approved: 瞒报 reads it.
APPROVING_OFFICE_FUNCTIONS = ("student_affairs",)


def approves_downgrade(user) -> bool:
    """Does this person's severity change count as the office's approval (R-AFTER-4, 瞒报)?"""
    if getattr(user, "is_superuser", False):
        return True
    posts = Post.objects.current().filter(person=user, role__code__in=VERIFIER_ROLES)
    return (
        posts.filter(unit__kind=Unit.Kind.SCHOOL).exists()
        or posts.filter(
            unit__kind=Unit.Kind.OFFICE, unit__function__in=APPROVING_OFFICE_FUNCTIONS
        ).exists()
    )

"""Who may do what with a report. Visibility itself lives in selectors.reports_visible."""

from shouwang.org.models import Post, Role

# The offices and leaders who verify reports and decide what happens next (R-REP-5).
VERIFIER_ROLES = ("deputy_secretary", "leader", "student_affairs_officer", "security_officer", "school_leader")


def can_verify(user, report) -> bool:
    """A verifier role, and the report within what the person may see (its unit or students)."""
    from .selectors import reports_visible

    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return False
    if user.is_superuser:
        return True
    if not Post.objects.current().filter(person=user, role__code__in=VERIFIER_ROLES).exists():
        return False
    return reports_visible(user).filter(pk=report.pk).exists()


def sees_covert_identity(user) -> bool:
    """Counsellors and above see who a covert observer is (R-ORG-6); integration tokens never."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return False
    if user.is_superuser:
        return True
    counsellor_rank = Role.objects.filter(code="counsellor").values_list("rank", flat=True).first() or 40
    return Post.objects.current().filter(person=user, role__rank__gte=counsellor_rank).exists()


def is_covert_observer(user) -> bool:
    return Post.objects.current().filter(person=user, role__code="covert_observer").exists()

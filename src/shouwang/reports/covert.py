"""Who may know a covert observer (隐形安全员) filed a report (R-ORG-6): counsellors and above."""

from shouwang.org.models import Post, Role


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

"""Who may do what with screening results. The results are care data: the psych centre owns
them; 学生处 may import them for the school and see the round's totals."""

from shouwang.care.permissions import is_psych_centre as _care_psych
from shouwang.org.models import Post

STUDENT_AFFAIRS = "student_affairs"
IMPORT_ROLES = ("psych_staff", "student_affairs_officer")


def _person(user) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and getattr(user, "pk", None) is not None
        and user.is_active
    )


def _posts(user):
    return Post.objects.current().filter(person=user)


def is_psych_centre(user) -> bool:
    """Psych centre staff, its head, or a superuser: they see the students' results and own
    the interviews."""
    return _care_psych(user)  # the same people the care ledger counts as the psych centre


def can_import(user) -> bool:
    """The psych centre, and 学生处 (its officers and head)."""
    if is_psych_centre(user):
        return True
    if not _person(user):
        return False
    return (
        _posts(user).filter(role__code__in=IMPORT_ROLES).exists()
        or _posts(user).filter(role__code="leader", unit__function=STUDENT_AFFAIRS).exists()
    )


can_see_rounds = can_import
can_record_interview = is_psych_centre

"""Who is told about a care file's tasks: the class's counsellors and class teachers, the psych
centre, and — when a task is overdue — the college's deputy secretary and the psych centre's head.
"""

from django.db.models import Q
from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.org.models import Post
from shouwang.org.permissions import STUDENT_STATUS_ROLES

from .permissions import CLASS_ROLES, PSYCH_FUNCTION, PSYCH_ROLE
from .tiers import STATUS_ROLE


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: n + 1]) + "/" for n in range(len(parts))]


def _people(posts):
    ids = set(posts.values_list("person_id", flat=True))
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def class_people(file, now) -> list:
    """The student's current counsellors and class teachers (at the class or above)."""
    day = timezone.localdate(now)
    return _people(
        Post.objects.current(day).filter(
            role__code__in=CLASS_ROLES, unit__path__in=_ancestor_paths(file.student.klass.path)
        )
    )


def psych_people(now) -> list:
    day = timezone.localdate(now)
    return _people(
        Post.objects.current(day).filter(
            Q(role__code=PSYCH_ROLE) | Q(unit__kind="office", unit__function=PSYCH_FUNCTION)
        )
    )


def psych_heads(now) -> list:
    """The psych centre's head: a leader post at the psych office (or its staff if none)."""
    day = timezone.localdate(now)
    heads = _people(
        Post.objects.current(day).filter(
            role__code="leader", unit__kind="office", unit__function=PSYCH_FUNCTION
        )
    )
    return heads or psych_people(now)


def status_people(now) -> list:
    """学生处 / 教务处: who changes a student's status (休学, 复学)."""
    day = timezone.localdate(now)
    return _people(Post.objects.current(day).filter(role__code__in=STUDENT_STATUS_ROLES))


def task_people(file, role: str, now) -> list:
    if role == "psych":
        return psych_people(now)
    if role == STATUS_ROLE:
        return status_people(now)
    return class_people(file, now)


def escalation_people(file, now) -> list:
    """The college's deputy secretary (分管学生工作副书记) and the psych centre's head."""
    day = timezone.localdate(now)
    deputies = _people(
        Post.objects.current(day).filter(
            role__code="deputy_secretary",
            unit__kind="college",
            unit__path__in=_ancestor_paths(file.student.klass.path),
        )
    )
    return deputies + [p for p in psych_heads(now) if p not in deputies]

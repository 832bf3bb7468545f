"""Who may change escalation data. Reads are scoped by org.scope; writes follow these rules.

- Policies and the holiday calendar are school-wide rules: only those who manage the
  organisation (学生处, school leaders, superusers) change them; everyone signed in may read.
- A duty roster belongs to a unit. Besides the organisation managers, a person holding a
  leadership post (rank of a college deputy secretary or higher: 分管副书记, 负责人 …) at the
  unit or at one of its ancestors edits it: a college's deputy secretary runs the college's
  roster, including its grades and classes, but not another college's or a dorm building's.
  Counsellors, class teachers and student cadres do not: they are the ones on duty, not the
  ones who schedule it.
"""

from django.db.models import Q

from shouwang.accounts.models import User
from shouwang.org.models import Post, Role, Unit
from shouwang.org.permissions import STUDENT_CADRE_ROLES, can_manage_org

ROSTER_EDITOR_ROLE = "deputy_secretary"
DEFAULT_ROSTER_EDITOR_RANK = (
    60  # the shipped rank of deputy_secretary, if an office deleted the role
)


def can_edit_policies(user) -> bool:
    return can_manage_org(user)


def can_edit_holidays(user) -> bool:
    return can_manage_org(user)


def roster_editor_rank() -> int:
    # Ranks are data (roles.yaml, editable in the admin): follow the role, not a number.
    rank = Role.objects.filter(code=ROSTER_EDITOR_ROLE).values_list("rank", flat=True).first()
    return DEFAULT_ROSTER_EDITOR_RANK if rank is None else rank


def roster_editor_paths(user) -> list[str] | None:
    """Unit paths under which `user` edits rosters; None means everywhere."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if can_manage_org(user):
        return None
    return list(
        Post.objects.current()
        .filter(person=user, role__rank__gte=roster_editor_rank())
        .values_list("unit__path", flat=True)
    )


_UNSET = object()


def can_edit_roster(user, unit: Unit, *, paths=_UNSET) -> bool:
    """`paths`: a precomputed roster_editor_paths(user), for checking many units at once."""
    paths = roster_editor_paths(user) if paths is _UNSET else paths
    return path_in(unit.path, paths)


def path_in(path: str, paths) -> bool:
    """Is a unit path inside roster_editor_paths' answer (None = everywhere)?"""
    return paths is None or any(path.startswith(p) for p in paths)


def can_edit_any_roster(user) -> bool:
    paths = roster_editor_paths(user)
    return paths is None or bool(paths)


DUTY_ROLE = "duty_officer"


def duty_candidates(unit: Unit):
    """Who may be put on a unit's duty roster: staff holding a current post at the unit or inside
    its subtree, or a duty officer's post at the unit or above it. Never a student cadre (a dorm
    head of another college received a mental-health report once she was on a roster), never
    someone from elsewhere in the school."""
    ancestors = [unit.path[: i + 1] for i, ch in enumerate(unit.path) if ch == "/" and i > 0]
    posts = (
        Post.objects.current()
        .exclude(role__code__in=STUDENT_CADRE_ROLES)
        .filter(
            Q(unit__path__startswith=unit.path) | Q(role__code=DUTY_ROLE, unit__path__in=ancestors)
        )
    )
    return User.objects.filter(is_active=True, pk__in=posts.values("person_id"))


def duty_eligible(person, unit: Unit) -> bool:
    return duty_candidates(unit).filter(pk=person.pk).exists()

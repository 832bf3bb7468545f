"""Who may see and change a care file (R-CARE-4: need-to-know).

- The psych centre: a current post in the role `psych_staff`, or any post at an office whose
  function is `psych` (心理中心).
- The student's CURRENT counsellor and class teacher: a current `counsellor` / `class_teacher`
  post at the student's class or a unit above it (a grade's or a college's counsellor).
- The former holder of such a post, for the shared period after a handover (`former_holder_
  class_ids`: the seam the handovers app fills at merge).
- Leaders only by an explicit, unexpired Grant made by the psych centre.
- A school-wide role (学生处, 保卫处, 校领导 …) by break-glass: a stated reason, for a while.

Anyone else gets 404. `access_reason` says which of these applies, or None; the selectors
record it with every read.
"""

import datetime

from django.db.models import Q
from django.utils import timezone

from shouwang.handovers import selectors as handovers_selectors
from shouwang.org.models import Post, Unit

PSYCH_ROLE = "psych_staff"
PSYCH_FUNCTION = "psych"
CLASS_ROLES = ("counsellor", "class_teacher")
BREAK_GLASS_HOURS = 4

NEED = "need"
GRANT = "grant"
BREAK_GLASS = "break_glass"
FORMER = "former_holder"


def _person(user) -> bool:
    # An API token principal has no pk: it carries its own scope, never a person's posts.
    return (
        getattr(user, "is_authenticated", False)
        and getattr(user, "pk", None) is not None
        and user.is_active
    )


def _today(now):
    return timezone.localdate(now) if now else timezone.localdate()


def is_psych_centre(user, now=None) -> bool:
    if not _person(user):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_care_psych", None)
    if cached is None:
        cached = (
            Post.objects.current(_today(now))
            .filter(person=user)
            .filter(
                Q(role__code=PSYCH_ROLE) | Q(unit__kind="office", unit__function=PSYCH_FUNCTION)
            )
            .exists()
        )
        user._care_psych = cached
    return cached


def is_school_wide(user, now=None) -> bool:
    """A school-wide role: may break the glass (stating a reason), never read by default."""
    if not _person(user):
        return False
    return (
        user.is_superuser
        or Post.objects.current(_today(now)).filter(person=user, role__school_wide=True).exists()
    )


def class_ids_held(user, now=None) -> set[int]:
    """Classes where the user is currently counsellor or class teacher (at the class or above)."""
    if not _person(user):
        return set()
    paths = list(
        Post.objects.current(_today(now))
        .filter(person=user, role__code__in=CLASS_ROLES)
        .values_list("unit__path", flat=True)
    )
    if not paths:
        return set()
    q = Q()
    for p in paths:
        q |= Q(path__startswith=p)
    return set(Unit.objects.filter(q, kind=Unit.Kind.CLASS).values_list("pk", flat=True))


def former_holder_class_ids(*, user, now) -> set[int]:
    """Classes whose files a former counsellor / class teacher still reads during the shared
    period after a handover (handovers owns the period and the posts' history)."""
    return handovers_selectors.former_holder_class_ids(user=user, now=now)


def _active_grant(user, file, now):
    return file.grants.filter(
        grantee=user, revoked_at__isnull=True, starts_at__lte=now, expires_at__gt=now
    ).exists()


def _active_break_glass(user, file, now):
    return file.break_glass.filter(actor=user, at__lte=now, until__gt=now).exists()


def access_reason(user, file, now=None) -> str | None:
    """Why `user` may read `file` now (NEED, FORMER, GRANT, BREAK_GLASS), or None."""
    now = now or timezone.now()
    if not _person(user):
        return None
    if is_psych_centre(user, now):
        return NEED
    klass_id = file.student.klass_id
    if klass_id in class_ids_held(user, now):
        return NEED
    if klass_id in former_holder_class_ids(user=user, now=now):
        return FORMER
    if _active_grant(user, file, now):
        return GRANT
    if _active_break_glass(user, file, now):
        return BREAK_GLASS
    return None


def may_open_for(user, student, now=None) -> bool:
    """Open a file for a student: the psych centre, or the student's counsellor / class teacher."""
    return is_psych_centre(user, now) or student.klass_id in class_ids_held(user, now)


def may_work_on(user, file, now=None) -> bool:
    """Write notes, record tasks, upload, roster: need-to-know only (not a grant, not glass)."""
    return access_reason(user, file, now) == NEED


def may_raise(user, file, now=None) -> bool:
    return may_work_on(user, file, now)


def may_lower(user, file, now=None) -> bool:
    """Lowering a tier is the psych centre's call (R-CARE-5)."""
    return is_psych_centre(user, now)


def may_grant(user) -> bool:
    return is_psych_centre(user)


def may_break_glass(user, file, now=None) -> bool:
    return is_school_wide(user, now) and access_reason(user, file, now) in (None, BREAK_GLASS)


def may_review_break_glass(user) -> bool:
    return is_psych_centre(user)


def may_produce_key_list(user) -> bool:
    return is_psych_centre(user)


def break_glass_until(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(hours=BREAK_GLASS_HOURS)

"""Who receives at each step: roles at a level above a unit, the night duty officer first,
vacancies skipped. Pure lookups; the subject app decides what to write."""

import datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from shouwang.org.models import Post, Unit

from .models import DutyShift, Holiday


def units_for_level(units: list[Unit], at: str) -> list[Unit]:
    if at.startswith("office:"):
        function = at.split(":", 1)[1]
        in_school = Q(pk__in=[])
        for root in {u.path.split("/")[1] for u in units}:
            in_school |= Q(path__startswith=f"/{root}/")
        return list(
            Unit.objects.filter(in_school, kind=Unit.Kind.OFFICE, function=function, is_active=True)
        )
    return [u for u in units if u.kind == at]


def holders(units: list[Unit], roles: list[str], on: datetime.date):
    """People holding any of `roles` at any of `units` on the date, in a stable order."""
    if not units:
        return []
    posts = (
        Post.objects.current(on)
        .filter(unit__in=units, role__code__in=roles, person__is_active=True)
        .select_related("person", "role")
    )
    return people_of(posts)


def people_of(posts) -> list[tuple]:
    """[(person, role code)] from posts: most senior role first, then by person, each
    person once."""
    seen, people = set(), []
    for post in sorted(posts, key=lambda p: (-p.role.rank, p.person_id)):
        if post.person_id not in seen:
            seen.add(post.person_id)
            people.append((post.person, post.role.code))
    return people


def is_duty_time(now: datetime.datetime, *, holiday: bool | None = None) -> bool:
    """Night hours (configurable) or a holiday in the school's calendar (`holiday` when the
    caller already knows whether today is one)."""
    if is_night(now):
        return True
    return (
        holiday
        if holiday is not None
        else Holiday.objects.filter(date=timezone.localdate(now)).exists()
    )


def is_night(now: datetime.datetime) -> bool:
    """Within the configured night hours (which may run past midnight)."""
    start, end = settings.DUTY_NIGHT_START, settings.DUTY_NIGHT_END
    t = timezone.localtime(now).time()
    return t >= start or t < end if start > end else start <= t < end


def duty_date(now: datetime.datetime) -> datetime.date:
    """The roster date covering `now`: before the night ends it is still yesterday's shift."""
    local = timezone.localtime(now)
    if (
        local.time() < settings.DUTY_NIGHT_END
        and not Holiday.objects.filter(date=local.date()).exists()
    ):
        return local.date() - datetime.timedelta(days=1)
    return local.date()


def duty_officers(units: list[Unit], now: datetime.datetime):
    """The person on duty at the nearest unit (deepest first) that has a roster entry."""
    return nearest_on_duty(
        DutyShift.objects.filter(
            date=duty_date(now), unit__in=units, person__is_active=True
        ).select_related("person", "unit")
    )


def nearest_on_duty(shifts) -> list:
    """The people of the deepest units among `shifts` (the roster nearest the report)."""
    by_depth = sorted(shifts, key=lambda s: -s.unit.depth)
    if not by_depth:
        return []
    nearest = by_depth[0].unit.depth
    return [s.person for s in by_depth if s.unit.depth == nearest]

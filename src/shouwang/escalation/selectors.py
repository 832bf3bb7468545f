"""Reads for the policy, roster and holiday pages, scoped to the viewer where the data is a unit's.

Policies and holidays are school-wide rules everyone signed in may read (a counsellor should
know how long they have to acknowledge); rosters belong to units and follow org.scope.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.selectors import events_for_subject
from shouwang.org import selectors as org
from shouwang.org.models import Role, Unit

from . import routing
from .levels import SEVERITY_ORDER, Severity
from .models import DutyShift, EscalationPolicy, Holiday
from .permissions import path_in, roster_editor_paths

# ---- policies ------------------------------------------------------------------------------


def policies():
    """Every policy, the catch-all first, then by category order and rising severity."""
    found = EscalationPolicy.objects.select_related("category")

    def order(p):
        cat = (1, p.category.sort_order, p.category.code) if p.category_id else (0, 0, "")
        return (
            cat,
            SEVERITY_ORDER.index(p.severity) + 1 if p.severity in SEVERITY_ORDER else 0,
            not p.is_active,
            p.name,
        )

    return sorted(found, key=order)


def policy_get(pk):
    return get_object_or_404(EscalationPolicy.objects.select_related("category"), pk=pk)


def policy_history(policy, limit=20):
    return events_for_subject(policy).order_by("-seq")[:limit]


def at_label(at, offices=None) -> str:
    """ "class" → 班级, "office:student_affairs" → 学生处 (the office's own name where there is
    one)."""
    if isinstance(at, str) and at.startswith("office:"):
        function = at[7:]
        if offices is None:
            offices = office_names()
        return offices.get(function, function)
    return str(Unit.Kind(at).label) if at in Unit.Kind.values else str(at)


def office_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for function, name in (
        Unit.objects.filter(kind=Unit.Kind.OFFICE, is_active=True)
        .exclude(function="")
        .order_by("path")
        .values_list("function", "name")
    ):
        names.setdefault(function, name)
    return names


def steps_summary(steps, start_step=0, *, roles=None, offices=None):
    """Each step as a line a person reads: "宿舍长@宿舍 15分钟", the start of a skip-level policy
    marked, the steps before it marked as informed only. Tolerates malformed steps (the live
    validation preview shows what it can)."""
    roles = {r.code: r.label for r in Role.objects.all()} if roles is None else roles
    offices = office_names() if offices is None else offices
    lines = []
    for index, step in enumerate(steps if isinstance(steps, list) else []):
        if not isinstance(step, dict):
            continue
        codes = step["roles"] if isinstance(step.get("roles"), list) else []
        text = _("%(roles)s@%(at)s %(minutes)s min") % {
            "roles": "/".join(roles.get(c, c) if isinstance(c, str) else str(c) for c in codes),
            "at": at_label(step.get("at"), offices),
            "minutes": step.get("ack_minutes"),
        }
        lines.append(
            {
                "n": index + 1,
                "text": text,
                "is_start": bool(start_step) and index == start_step,
                "informed": index < (start_step or 0),
            }
        )
    return lines


def severity_label(severity) -> str:
    return str(Severity(severity).label) if severity in Severity.values else _("any severity")


def policies_with_summary():
    """[{policy, severity, steps}] for the list page, with two queries for all the labels."""
    roles = {r.code: r.label for r in Role.objects.all()}
    offices = office_names()
    return [
        {
            "policy": p,
            "severity": severity_label(p.severity),
            "steps": steps_summary(p.steps, p.start_step, roles=roles, offices=offices),
        }
        for p in policies()
    ]


def roles_reference():
    return Role.objects.order_by("-rank", "code")


# ---- duty roster ---------------------------------------------------------------------------


def roster(viewer, *, start: datetime.date, end: datetime.date, unit: Unit | None = None):
    """Shifts from `start` to `end` (inclusive) in the viewer's units, under `unit` if given."""
    shifts = DutyShift.objects.filter(
        unit__in=org.units_visible(viewer), date__gte=start, date__lte=end
    )
    if unit is not None:
        shifts = shifts.filter(unit__path__startswith=unit.path)
    return shifts.select_related("unit", "person").order_by(
        "date", "unit__path", "person__full_name"
    )


@dataclass
class RosterWeek:
    start: datetime.date
    days: list
    holidays: dict
    rows: list = field(default_factory=list)  # [(unit, [[shift, …] per day], editable)]

    @property
    def columns(self):
        """[(date, holiday name or "")], for the table header."""
        return [(d, self.holidays.get(d, "")) for d in self.days]

    @property
    def previous(self):
        return self.start - datetime.timedelta(days=7)

    @property
    def next(self):
        return self.start + datetime.timedelta(days=7)


def roster_week(viewer, *, start: datetime.date, unit: Unit | None = None) -> RosterWeek:
    """Dates × units for the week from `start`: every unit in the viewer's scope that keeps a
    roster (had or will have a shift within five weeks either side), so a night nobody is
    scheduled for shows as an empty cell instead of disappearing."""
    days = [start + datetime.timedelta(days=i) for i in range(7)]
    window = DutyShift.objects.filter(
        unit__in=org.units_visible(viewer),
        date__gte=start - datetime.timedelta(days=35),
        date__lte=start + datetime.timedelta(days=42),
    )
    if unit is not None:
        window = window.filter(unit__path__startswith=unit.path)
    units = Unit.objects.filter(pk__in=window.values("unit_id")).order_by("path")
    cells: dict[tuple[int, datetime.date], list] = {}
    for shift in roster(viewer, start=days[0], end=days[-1], unit=unit):
        cells.setdefault((shift.unit_id, shift.date), []).append(shift)
    paths = roster_editor_paths(viewer)
    week = RosterWeek(
        start=start,
        days=days,
        holidays=dict(
            Holiday.objects.filter(date__gte=days[0], date__lte=days[-1]).values_list(
                "date", "name"
            )
        ),
    )
    for u in units:
        week.rows.append((u, [cells.get((u.pk, d), []) for d in days], path_in(u.path, paths)))
    return week


def shift_get(viewer, pk):
    return get_object_or_404(
        DutyShift.objects.filter(unit__in=org.units_visible(viewer)).select_related(
            "unit", "person"
        ),
        pk=pk,
    )


@dataclass
class OnDuty:
    unit: Unit
    duty_time: bool
    date: datetime.date
    shifts: list  # the shifts routing would pick now (duty time) or for the coming night


def _local_at(day, time):
    return timezone.make_aware(
        datetime.datetime.combine(day, time), timezone.get_current_timezone()
    )


def on_duty(unit: Unit, now: datetime.datetime) -> OnDuty:
    """Who receives first, now, for reports about `unit` (routing.duty_officers over the unit
    and its ancestors, exactly as the engine asks). Outside duty hours: who will at the start
    of the coming night. The caller has checked that the viewer may see `unit`."""
    units = list(Unit.objects.filter(code__in=unit.ancestor_codes()))
    duty_time = routing.is_duty_time(now)
    when = now
    if not duty_time:
        local = timezone.localtime(now)
        when = _local_at(local.date(), settings.DUTY_NIGHT_START)
        if when <= now:
            when = _local_at(local.date() + datetime.timedelta(days=1), settings.DUTY_NIGHT_START)
    people = routing.duty_officers(units, when)
    day = routing.duty_date(when)
    shifts = list(
        DutyShift.objects.filter(date=day, unit__in=units, person__in=people)
        .select_related("unit", "person")
        .order_by("-unit__depth", "person__full_name")
    )
    nearest = [s for s in shifts if s.unit.depth == shifts[0].unit.depth] if shifts else []
    return OnDuty(unit=unit, duty_time=duty_time, date=day, shifts=nearest)


@dataclass
class OnDutyGroup:
    units: list  # the units these same people are on duty for
    duty_time: bool
    date: datetime.date
    shifts: list


def on_duty_grouped(units, now: datetime.datetime) -> list[OnDutyGroup]:
    """on_duty for each unit, units with the same people (a college roster covers all its
    classes) together: each officer is listed once, with every unit they cover."""
    groups: dict[tuple, OnDutyGroup] = {}
    for unit in units:
        od = on_duty(unit, now)
        key = (od.duty_time, od.date, tuple(s.pk for s in od.shifts) or (unit.pk,))
        if key in groups:
            groups[key].units.append(unit)
        else:
            groups[key] = OnDutyGroup(
                units=[unit], duty_time=od.duty_time, date=od.date, shifts=od.shifts
            )
    return list(groups.values())


def on_duty_units(viewer, code: str = "", limit: int = 5):
    """The units the "on duty now" box shows: the one asked for, else the viewer's own post
    units, else the top of their scope."""
    if code:
        return [org.unit_get(viewer, code)]
    mine = list(dict.fromkeys(p.unit for p in org.my_units(viewer)))
    return (mine or list(org.unit_roots(viewer)))[:limit]


def roster_unit_choices(viewer, limit: int = 300):
    """Units suggested in the code boxes: those in the viewer's scope that keep a roster, and the
    larger units (school, college, grade, dorm building, office) where one is usually kept."""
    visible = org.units_visible(viewer).filter(is_active=True)
    kept = set(
        DutyShift.objects.filter(unit__in=visible).values_list("unit_id", flat=True).distinct()
    )
    big = set(
        visible.filter(
            kind__in=["school", "college", "grade", "dorm_building", "office"]
        ).values_list("pk", flat=True)[:limit]
    )
    return list(visible.filter(pk__in=kept | big).order_by("path")[:limit])


# ---- holidays ------------------------------------------------------------------------------


def holidays(*, since: datetime.date | None = None):
    """From `since` on (default: 30 days ago, so last month's holidays stay in view)."""
    since = since or timezone.localdate() - datetime.timedelta(days=30)
    return Holiday.objects.filter(date__gte=since).order_by("date")


def holiday_get(pk):
    return get_object_or_404(Holiday, pk=pk)

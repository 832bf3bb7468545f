"""The machinery of activating a plan (R-PLAN-3), apart from the services that use it: who
holds each seat of the command group (a vacancy goes to the next more senior seat, on the
record), one task per applicable step with its owner, and the tasks' deadlines on the one
engine. Nothing here checks permission or records an event: services.py does both."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.escalation import routing
from shouwang.escalation.services import deadlines_schedule
from shouwang.org.models import Unit
from shouwang.plans.loading import plan_steps
from shouwang.reports.route import context_units

from .models import Task
from .tasks import TASK_OVERDUE, TASK_REMIND, reminder_lead

TASK_SUBJECT = "incidents.task"
# A vacant seat goes to the next more senior seat of the group (R-PLAN-3: "the next higher post").
SENIOR_SEAT = {"office": "deputy", "member": "deputy", "deputy": "head"}


def _units_around(unit, report=None) -> list[Unit]:
    """Where a plan's "at" levels are looked up: the unit and its ancestors and, for an incident
    from a report, the units around the report as routing sees them (its unit, the units
    involved, the students' class and dorm room, each with ancestors), so an incident about a
    dorm room still finds the students' counsellor and college. A few queries, however many
    students."""
    codes = set(unit.ancestor_codes())
    if report is None:
        return list(Unit.objects.filter(code__in=codes))
    around = {u.pk: u for u in context_units(report)}
    missing = codes - {u.code for u in around.values()}
    if missing:
        around.update({u.pk: u for u in Unit.objects.filter(code__in=missing)})
    return list(around.values())


class Resolver:
    """Finds who holds roles at a level, once per (roles, at) — a 40-step plan asks few
    questions."""

    def __init__(self, unit, now, report=None):
        self.units, self.on, self.cache = _units_around(unit, report), timezone.localdate(now), {}

    def holders(self, roles, at):
        key = (tuple(roles), at)
        if key not in self.cache:
            self.cache[key] = routing.holders(
                routing.units_for_level(self.units, at), list(roles), self.on
            )
        return self.cache[key]


def describe(spec) -> str:
    return f"{'/'.join(spec['roles'])}@{spec['at']}"


def resolve_group(plan, resolver, activator):
    """[(position, title, person, role, stands_in_for)] and the vacancies found."""
    filled, vacant = [], []
    for entry in plan["command_group"]:
        people = resolver.holders(entry["roles"], entry["at"])
        if people:
            filled += [(entry["position"], entry["title"], p, role, "") for p, role in people]
        else:
            vacant.append(entry)
    # Fill vacancies from the most senior end first, so a vacant deputy's stand-in exists before
    # the office that falls back to the deputy looks for one.
    order = {"head": 0, "deputy": 1, "member": 2, "office": 3}
    for entry in sorted(vacant, key=lambda e: order[e["position"]]):
        stand_ins = _stand_ins(entry["position"], filled, resolver, activator)
        filled += [
            (entry["position"], entry["title"], p, role, describe(entry)) for p, role in stand_ins
        ]
    return filled, vacant


def _stand_ins(position, filled, resolver, activator):
    seat = SENIOR_SEAT.get(position)
    while seat:
        people = [(p, role) for pos, _t, p, role, _s in filled if pos == seat]
        if people:
            return people
        seat = SENIOR_SEAT.get(seat)
    # No head at all: the school leader on the record, else whoever activated it leads for now.
    leaders = resolver.holders(["school_leader"], "school")
    return leaders[:1] or [(activator, "activator")]


def _seat_people(group, position):
    return [(p, role) for pos, _t, p, role, _s in group if pos == position]


def task_rows(incident, plan, level, resolver, group, now):
    """One Task per applicable step and external-reporting duty, with its owner."""

    def owner(responsible):
        if "position" in responsible:
            people = _seat_people(group, responsible["position"])
            return people[0][0], ""
        people = resolver.holders(responsible["roles"], responsible["at"])
        if people:
            return people[0][0], ""
        # Nobody holds the post: the group's office takes it, else the head (recorded).
        fallback = _seat_people(group, "office") or _seat_people(group, "head")
        return fallback[0][0], describe(responsible)

    rows = []
    for step in plan_steps(plan, level, incident.event_type or None):
        person, stands_in = owner(step["responsible"])
        rows.append(
            Task(
                incident=incident,
                kind=Task.Kind.STEP,
                step_id=step["id"],
                phase=step["phase"],
                title=step["title"],
                instructions=step.get("instructions", ""),
                assignee=person,
                stands_in_for=stands_in,
                mandatory=step.get("mandatory", True),
                added_at_level=level,
                created_at=now,
                due_at=now + timedelta(minutes=step["due_minutes"]),
            )
        )
    for duty in plan.get("external_reports", []):
        if "levels" in duty and level not in duty["levels"]:
            continue
        person, stands_in = owner(duty["responsible"])
        rows.append(
            Task(
                incident=incident,
                kind=Task.Kind.EXTERNAL_REPORT,
                step_id=f"report:{duty['id']}",
                phase="",
                title=_("Report to %(recipient)s") % {"recipient": duty["recipient"]},
                recipient=duty["recipient"],
                assignee=person,
                stands_in_for=stands_in,
                mandatory=True,
                added_at_level=level,
                created_at=now,
                due_at=now + timedelta(minutes=duty["due_minutes"]),
            )
        )
    return rows


def schedule(tasks, now):
    """Each task gets a reminder before it is due and an overdue deadline, on the one engine."""
    rows = []
    for task in tasks:
        lead = reminder_lead(task.due_at - now)
        if lead:
            rows.append(
                {
                    "kind": TASK_REMIND,
                    "subject_type": TASK_SUBJECT,
                    "subject_id": task.pk,
                    "due_at": task.due_at - lead,
                }
            )
        rows.append(
            {
                "kind": TASK_OVERDUE,
                "subject_type": TASK_SUBJECT,
                "subject_id": task.pk,
                "due_at": task.due_at,
            }
        )
    deadlines_schedule(deadlines=rows, now=now)


def task_event(task):
    return {
        "task": task.pk,
        "step": task.step_id,
        "title": task.title,
        "assignee": task.assignee_id,
        "due_at": task.due_at.isoformat(),
        "stands_in_for": task.stands_in_for,
    }

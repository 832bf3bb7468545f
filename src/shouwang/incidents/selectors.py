"""Reads of incidents, always scoped: the incident's unit within the viewer's scope, or the
viewer is part of it (command group, task owner, activator)."""

from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from shouwang.audit.selectors import events_for_subject
from shouwang.org.permissions import is_student_cadre_only
from shouwang.org.scope import scope_for
from shouwang.plans.permissions import can_activate
from shouwang.plans.selectors import PostLabels

from . import hooks
from .models import GroupMember, Incident, Task
from .permissions import can_command


def incidents_visible(viewer):
    if viewer.is_superuser:
        return Incident.objects.all()
    if is_student_cadre_only(viewer):
        return Incident.objects.none()  # need to know: students never see a board, group, tasks
    involved = (
        Q(activated_by=viewer)
        | Exists(GroupMember.objects.filter(incident=OuterRef("pk"), person=viewer))
        | Exists(Task.objects.filter(incident=OuterRef("pk"), assignee=viewer))
    )
    return Incident.objects.filter(scope_for(viewer).q("unit__path") | involved)


def incident_list(viewer, *, status: str = ""):
    qs = incidents_visible(viewer).select_related("plan_version__plan", "unit", "unit__parent")
    return qs.filter(status=status) if status else qs


def incident_get(viewer, pk) -> Incident:
    """404 (not 403) for an incident the viewer may not see: its existence is not disclosed."""
    return get_object_or_404(incident_list(viewer), pk=pk)


def incident_board(viewer, incident, *, now=None) -> dict:
    """Everything the live board shows, in a handful of queries (R-PLAN-5)."""
    now = now or timezone.now()
    tasks = list(incident.tasks.select_related("assignee", "done_by"))
    group = list(incident.group.select_related("person"))
    arrivals = list(incident.arrivals.select_related("person"))
    arrived = {a.person_id for a in arrivals}
    expected = {m.person_id: m.person for m in group}
    for t in tasks:
        expected.setdefault(t.assignee_id, t.assignee)
    # A stand-in's post is recorded as "roles@at"; the board says it in words.
    posts = {x.stands_in_for for x in [*tasks, *group] if x.stands_in_for}
    label = PostLabels() if posts else None
    # Flags for the template, so it does not re-derive the rules: late, and may this viewer
    # mark it done (its owner, or whoever commands the incident, while it is open).
    commands = can_command(viewer, incident)
    for t in tasks:
        t.is_late = t.is_overdue(now)
        t.may_complete = (
            incident.status == Incident.Status.OPEN
            and t.state == Task.State.OPEN
            and (t.assignee_id == getattr(viewer, "pk", None) or commands)
        )
    return {
        "tasks": tasks,
        "stands_in": {post: label.described(post) for post in posts} if label else {},
        "overdue": [t for t in tasks if t.is_late],
        "open_count": sum(t.state == Task.State.OPEN for t in tasks),
        "group": group,
        "situation": list(incident.situation.select_related("author")[:5]),
        "decisions": list(incident.decisions.select_related("decided_by")),
        "arrivals": arrivals,
        "not_arrived": [p for pk, p in expected.items() if pk not in arrived],
        "first_on_scene_minutes": (
            round((arrivals[0].at - incident.activated_at).total_seconds() / 60, 1)
            if arrivals
            else None
        ),
        "releases": list(incident.releases.select_related("drafted_by", "published_by")),
        "media": list(incident.media_requests.select_related("decided_by")),
        "outbound": list(incident.outbound_reports.select_related("recorded_by")),
    }


def page_links(viewer, incident) -> list[dict]:
    """Links the apps above incidents put on its page (善后, 复盘, 文书), each already limited by
    its app to what this viewer may see."""
    return hooks.page_links(viewer, incident)


def incident_timeline(viewer, incident):
    return events_for_subject(incident)


def task_get(viewer, incident, task_id) -> Task:
    return get_object_or_404(incident.tasks.select_related("assignee", "incident"), pk=task_id)


# A report's severity and the plan level it corresponds to (levels run I = most severe … IV).
SEVERITY_LEVEL = {"general": "IV", "larger": "III", "major": "II", "critical": "I"}


def suggested_level(document: dict, report) -> str:
    """The level to preselect when activating for a report: the one matching its severity, if
    the plan has it; otherwise none (the activator chooses)."""
    if report is None:
        return ""
    level = SEVERITY_LEVEL.get(report.severity, "")
    return level if level in {lv["code"] for lv in document.get("levels", [])} else ""


def report_page_context(viewer, report) -> dict:
    """What a report's page shows of incidents (reports.hooks): may the viewer activate a plan
    from it, and the incidents opened from it that the viewer may see."""
    return {
        "can_activate_plan": report.verification == report.Verification.TRUE
        and can_activate(viewer, report.unit),
        "incidents": incidents_visible(viewer).filter(report=report),
    }


# The shipped plan a report's category calls for (plans/library); the activator may choose
# another. A category without one leaves the choice open.
CATEGORY_PLAN = {
    "fight": "group_fight",
    "bullying": "bullying_opinion",
    "public_opinion": "bullying_opinion",
    "exam_security": "exam_security",
    "mental_health": "psych_crisis",
    "harmful_posting": "harmful_postings",
    "group_incident": "campus_stability",
    "proselytising": "campus_stability",
    "life_property_threat": "campus_stability",
}


def suggested_plan(plans, report):
    """The active plan to preselect when activating for `report` (by its category), or None."""
    if report is None:
        return None
    return plans.filter(code=CATEGORY_PLAN.get(report.category.code, "")).first()


def tasks_blocking_close(viewer, incident):
    """The mandatory tasks still open: the incident cannot be closed until they are done. The
    caller got `incident` through incident_get, so it is visible."""
    return incident.tasks.filter(state=Task.State.OPEN, mandatory=True).order_by("due_at", "pk")

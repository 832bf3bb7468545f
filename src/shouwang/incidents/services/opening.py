"""An incident opened from a plan and its level changed: `incident_activate` (R-PLAN-3: the
command group resolved from posts, the level's steps become tasks with deadlines, a verified
report's decision answered) and `incident_level_change` (the new level's missing steps added).
The resolving itself is `incidents/activation.py`."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import batched_events, event_record
from shouwang.reports.services import report_plan_activated

from .. import activation, permissions
from ..models import GroupMember, Incident, Task
from .common import _notify, _require_open


def incident_activate(
    *, actor, plan, level: str, unit, title: str = "", event_type: str = "", report=None, now=None
) -> Incident:
    """Open an incident from a plan's current version (R-PLAN-3)."""
    now = now or timezone.now()
    if not permissions.can_activate(actor, unit):
        raise PermissionDenied
    version = plan.current
    document = version.document
    errors = {}
    levels = [lv["code"] for lv in document["levels"]]
    if level not in levels:
        errors["level"] = [
            _("Choose one of the plan's levels: %(levels)s.") % {"levels": "、".join(levels)}
        ]
    types = {t["code"]: t for t in document.get("event_types", [])}
    if event_type and event_type not in types:
        errors["event_type"] = [_("This plan does not cover that event type.")]
    if report is not None and report.verification != report.Verification.TRUE:
        errors["report"] = [_("Verify the report as true before activating a plan for it.")]
    if errors:
        raise ValidationError(errors)
    title = (title or "").strip() or (
        types[event_type]["name"] if event_type else document["title"]
    )
    resolver = activation.Resolver(unit, now, report)
    with transaction.atomic(), batched_events():
        incident = Incident.objects.create(
            title=title[:200],
            plan_version=version,
            level=level,
            event_type=event_type,
            unit=unit,
            report=report,
            activated_by=actor,
            activated_at=now,
        )
        group, vacant = activation.resolve_group(document, resolver, actor)
        GroupMember.objects.bulk_create(
            [
                GroupMember(
                    incident=incident, position=pos, title=t, person=p, role=role, stands_in_for=s
                )
                for pos, t, p, role, s in group
            ],
            ignore_conflicts=True,
        )
        tasks = activation.task_rows(incident, document, level, resolver, group, now)
        Task.objects.bulk_create(tasks)
        if tasks and tasks[0].pk is None:  # backends without RETURNING on bulk insert
            tasks = list(incident.tasks.all())
        activation.schedule(tasks, now)
        event_record(
            actor=actor,
            subject=incident,
            verb="incident.activated",
            at=now,
            data={
                "plan": plan.code,
                "plan_version": version.number,
                "level": level,
                "event_type": event_type,
                "unit": unit.code,
                "report": report.pk if report else None,
                "title": incident.title,
            },
        )
        event_record(
            actor=None,
            subject=incident,
            verb="incident.group_assembled",
            at=now,
            data={
                "seats": [
                    {"position": pos, "title": t, "person": p.pk, "role": role, "stands_in_for": s}
                    for pos, t, p, role, s in group
                ],
                "vacant": [activation.describe(e) for e in vacant],
            },
        )
        event_record(
            actor=None,
            subject=incident,
            verb="incident.tasks_created",
            at=now,
            data={"level": level, "tasks": [activation.task_event(t) for t in tasks]},
        )
        if report is not None:
            # Activating answers the report's decision (R-REP-5): the reports app records it.
            report_plan_activated(
                actor=actor,
                report=report,
                incident_id=incident.pk,
                plan_code=plan.code,
                plan_title=document["title"],
                level=level,
                now=now,
            )
        everyone = [p for _pos, _t, p, _r, _s in group] + [t.assignee for t in tasks]
        _notify(
            incident,
            everyone,
            "incident.activated",
            _("[Plan activated] %(plan)s (%(level)s): %(title)s")
            % {"plan": document["title"], "level": incident.level_name(), "title": incident.title},
            _("%(n)d tasks; open the incident board for yours.") % {"n": len(tasks)},
            now,
        )
    return incident


def incident_level_change(*, actor, incident, level: str, reason: str, now=None) -> list[Task]:
    """Raise or lower the level; the new level's steps not yet present are added as tasks."""
    now = now or timezone.now()
    if not permissions.can_command(actor, incident):
        raise PermissionDenied
    _require_open(incident)
    document = incident.plan
    levels = [lv["code"] for lv in document["levels"]]
    if level not in levels:
        raise ValidationError(
            {
                "level": [
                    _("Choose one of the plan's levels: %(levels)s.")
                    % {"levels": "、".join(levels)}
                ]
            }
        )
    if level == incident.level:
        raise ValidationError({"level": [_("The incident is already at this level.")]})
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Say why the level changes.")]})
    with transaction.atomic(), batched_events():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        group = [
            (m.position, m.title, m.person, m.role, m.stands_in_for)
            for m in incident.group.select_related("person")
        ]
        existing = set(incident.tasks.values_list("step_id", flat=True))
        # Steps of the new level count from the change: it is when they became required.
        added = [
            t
            for t in activation.task_rows(
                incident,
                document,
                level,
                activation.Resolver(incident.unit, now, incident.report),
                group,
                now,
            )
            if t.step_id not in existing
        ]
        Task.objects.bulk_create(added)
        if added and added[0].pk is None:
            added = list(incident.tasks.filter(step_id__in=[t.step_id for t in added]))
        activation.schedule(added, now)
        previous = incident.level
        incident.level = level
        incident.save(update_fields=["level"])
        raised = levels.index(level) < levels.index(previous)  # levels run from most severe
        event_record(
            actor=actor,
            subject=incident,
            verb="incident.level_changed",
            at=now,
            data={
                "from": previous,
                "to": level,
                "raised": raised,
                "reason": reason.strip(),
                "tasks_added": [activation.task_event(t) for t in added],
            },
        )
        _notify(
            incident,
            [m[2] for m in group] + [t.assignee for t in added],
            "incident.level_changed",
            _("[Level changed] %(title)s: now %(level)s")
            % {"title": incident.title, "level": incident.level_name()},
            reason.strip(),
            now,
        )
    return added

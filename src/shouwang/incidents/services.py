"""Every write to an incident. Each function checks permission, validates (a clear error that
changes nothing), and records its timeline events in the same transaction. Timeline events are
recorded against the incident, so its board and timeline read one subject."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang import bounds
from shouwang.audit.services import batched_events, event_record
from shouwang.escalation.services import deadlines_cancel
from shouwang.notify.services import message_send
from shouwang.plans.loading import plan_decision
from shouwang.reports.services import report_plan_activated

from . import activation, hooks, permissions
from .activation import TASK_SUBJECT
from .models import (
    Arrival,
    Decision,
    GroupMember,
    Incident,
    MediaRequest,
    OutboundReport,
    Release,
    SituationUpdate,
    Task,
)


def incident_url(incident) -> str:
    return f"/incidents/{incident.pk}/"


def _notify(incident, people, kind, title, body, now):
    people = list({p.pk: p for p in people}.values())
    if people:
        message_send(
            subject_type="incidents.incident",
            subject_id=incident.pk,
            kind=kind,
            title=title,
            body=body,
            url=incident_url(incident),
            recipients=people,
            now=now,
        )


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


def _require_open(incident):
    if incident.status != Incident.Status.OPEN:
        raise ValidationError(_("This incident is closed."))


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


def task_complete(*, actor, task, note: str = "", now=None) -> Task:
    """The owner (or the group head/deputy) marks a task done; its reminders stop."""
    now = now or timezone.now()
    incident = task.incident
    if actor.pk != task.assignee_id and not permissions.can_command(actor, incident):
        raise PermissionDenied
    _require_open(incident)
    with transaction.atomic(), batched_events():
        task = Task.objects.select_for_update().get(pk=task.pk)
        if task.state == Task.State.DONE:
            raise ValidationError(_("This task is already done."))
        _task_done(task, actor, note, now)
    return task


def _task_done(task, actor, note, now):
    task.state, task.done_at, task.done_by, task.note = (
        Task.State.DONE,
        now,
        actor,
        (note or "").strip(),
    )
    task.save(update_fields=["state", "done_at", "done_by", "note"])
    deadlines_cancel(subject_type=TASK_SUBJECT, subject_id=task.pk, now=now, outcome="done")
    event_record(
        actor=actor,
        subject=task.incident,
        verb="task.done",
        at=now,
        data={
            "task": task.pk,
            "step": task.step_id,
            "title": task.title,
            "note": task.note,
            "late": task.due_at < now,
        },
    )


def decision_record(
    *, actor, incident, decision_id: str, option: str, reason: str, authority: str = "", now=None
) -> Decision:
    """R-PLAN-4: the option chosen, who, when, why, and on whose authority."""
    now = now or timezone.now()
    _require_open(incident)
    point = plan_decision(incident.plan, decision_id)
    if point is None:
        raise ValidationError({"decision_id": [_("This plan has no such decision point.")]})
    if not permissions.may_decide(actor, incident, point.get("authority", "group")):
        raise PermissionDenied(
            _("Only %(who)s may record this decision.")
            % {
                "who": {"head": _("the group head"), "deputy": _("the group head or a deputy")}.get(
                    point.get("authority") or "", _("a member of the command group")
                )
            }
        )
    option, reason = (option or "").strip(), (reason or "").strip()
    errors = {}
    is_free = option not in point["options"]
    if not option:
        errors["option"] = [_("Choose an option.")]
    elif is_free and not point.get("free_text", False):
        errors["option"] = [_("Choose one of the plan's options for this decision.")]
    if not reason:
        errors["reason"] = [_("Say why.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        decision = Decision.objects.create(
            incident=incident,
            decision_id=decision_id,
            title=point["title"],
            option=option[:300],
            is_free_text=is_free,
            reason=reason,
            authority=(authority or "").strip()[:200],
            decided_by=actor,
            decided_at=now,
        )
        event_record(
            actor=actor,
            subject=incident,
            verb="decision.recorded",
            at=now,
            data={
                "decision": decision_id,
                "title": point["title"],
                "option": decision.option,
                "free_text": is_free,
                "reason": reason,
                "authority": decision.authority,
            },
        )
    return decision


def _optional_count(value, field, errors):
    if value in (None, ""):
        return None
    try:
        number = int(value)
        if number < 0:
            raise ValueError
    except (TypeError, ValueError):
        errors[field] = [_("Enter a whole number from 0 to %(max)d.") % {"max": bounds.MAX_COUNT}]
        return None
    if number > bounds.MAX_COUNT:
        errors[field] = [_("Enter a whole number from 0 to %(max)d.") % {"max": bounds.MAX_COUNT}]
    return number


def situation_add(
    *,
    actor,
    incident,
    text: str,
    people_involved=None,
    injured=None,
    dead=None,
    trend: str = "",
    place: str = "",
    now=None,
) -> SituationUpdate:
    now = now or timezone.now()
    if not permissions.is_involved(actor, incident):
        raise PermissionDenied
    _require_open(incident)
    errors: dict[str, list] = {}
    counts = {
        f: _optional_count(v, f, errors)
        for f, v in (("people_involved", people_involved), ("injured", injured), ("dead", dead))
    }
    if not (text or "").strip():
        errors["text"] = [_("Describe the situation.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        update = SituationUpdate.objects.create(
            incident=incident,
            at=now,
            author=actor,
            text=text.strip(),
            trend=(trend or "").strip()[:200],
            place=(place or "").strip()[:200],
            **counts,
        )
        event_record(
            actor=actor,
            subject=incident,
            verb="situation.updated",
            at=now,
            data={**counts, "trend": update.trend, "place": update.place, "text": update.text},
        )
    return update


def arrival_record(*, actor, incident, now=None) -> Arrival:
    """已到场. Once per person; minutes since activation go on the record."""
    now = now or timezone.now()
    if not permissions.is_involved(actor, incident):
        raise PermissionDenied
    _require_open(incident)
    with transaction.atomic():
        arrival, created = Arrival.objects.get_or_create(
            incident=incident, person=actor, defaults={"at": now}
        )
        if not created:
            raise ValidationError(
                _("Your arrival is already recorded at %(at)s.")
                % {"at": timezone.localtime(arrival.at).strftime("%H:%M")}
            )
        first = not incident.arrivals.exclude(pk=arrival.pk).exists()
        event_record(
            actor=actor,
            subject=incident,
            verb="arrival.recorded",
            at=now,
            data={
                "minutes_since_activation": round(
                    (now - incident.activated_at).total_seconds() / 60, 1
                ),
                "first_on_scene": first,
            },
        )
    return arrival


def outbound_report_record(
    *, actor, incident, recipient: str, content: str, sent_at=None, task=None, now=None
) -> OutboundReport:
    """R-REP-6: a report sent upward; it completes the plan's reporting task when it names one."""
    now = now or timezone.now()
    sent_at = sent_at or now
    if not permissions.is_involved(actor, incident):
        raise PermissionDenied
    errors = {}
    recipient, content = (
        (recipient or task and task.recipient or "").strip(),
        (content or "").strip(),
    )
    if not recipient:
        errors["recipient"] = [_("Name who it was reported to.")]
    if not content:
        errors["content"] = [_("Record what was reported.")]
    if sent_at > now + timedelta(minutes=5):
        errors["sent_at"] = [_("The time sent cannot be in the future.")]
    elif time_problem := bounds.implausible_time(sent_at):
        errors["sent_at"] = [time_problem]
    if task is not None and (
        task.incident_id != incident.pk or task.kind != Task.Kind.EXTERNAL_REPORT
    ):
        errors["task"] = [_("That is not a reporting duty of this incident.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic(), batched_events():
        report = OutboundReport.objects.create(
            incident=incident,
            task=task,
            recipient=recipient[:200],
            sent_at=sent_at,
            content=content,
            recorded_by=actor,
        )
        event_record(
            actor=actor,
            subject=incident,
            verb="external_report.recorded",
            at=now,
            data={
                "recipient": report.recipient,
                "sent_at": sent_at.isoformat(),
                "content": content,
                "task": task.pk if task else None,
            },
        )
        if task is not None:
            task = Task.objects.select_for_update().get(pk=task.pk)
            if task.state == Task.State.OPEN:
                _task_done(
                    task,
                    actor,
                    _("Reported at %(at)s") % {"at": timezone.localtime(sent_at).strftime("%H:%M")},
                    now,
                )
    return report


def release_draft(*, actor, incident, title: str, body: str, now=None) -> Release:
    now = now or timezone.now()
    if not (permissions.is_involved(actor, incident) or permissions.can_publish(actor)):
        raise PermissionDenied
    errors = {}
    if not (title or "").strip():
        errors["title"] = [_("Give the statement a title.")]
    if not (body or "").strip():
        errors["body"] = [_("Write the statement.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        release = Release.objects.create(
            incident=incident,
            title=title.strip()[:200],
            body=body.strip(),
            drafted_by=actor,
            drafted_at=now,
        )
        event_record(
            actor=actor,
            subject=incident,
            verb="release.drafted",
            at=now,
            data={"release": release.pk, "title": release.title},
        )
    return release


def release_publish(*, actor, release, channel: str, now=None) -> Release:
    """Only the publicity office publishes (R-PLAN-6); everyone else gets 403."""
    now = now or timezone.now()
    if not permissions.can_publish(actor):
        raise PermissionDenied(_("Only the publicity office may publish statements."))
    if not (channel or "").strip():
        raise ValidationError(
            {"channel": [_("Say where it is published (e.g. the school website, Weibo).")]}
        )
    with transaction.atomic():
        release = Release.objects.select_for_update().get(pk=release.pk)
        if release.status == Release.Status.PUBLISHED:
            raise ValidationError(_("This statement is already published."))
        release.status, release.published_by, release.published_at = (
            Release.Status.PUBLISHED,
            actor,
            now,
        )
        release.channel = channel.strip()[:100]
        release.save(update_fields=["status", "published_by", "published_at", "channel"])
        event_record(
            actor=actor,
            subject=release.incident,
            verb="release.published",
            at=now,
            data={
                "release": release.pk,
                "title": release.title,
                "channel": release.channel,
                "body": release.body,
            },
        )
    return release


def media_request_log(
    *, actor, incident, outlet: str, requested_at=None, topic: str = "", now=None
) -> MediaRequest:
    now = now or timezone.now()
    if not (permissions.is_involved(actor, incident) or permissions.can_publish(actor)):
        raise PermissionDenied
    if not (outlet or "").strip():
        raise ValidationError({"outlet": [_("Name the outlet.")]})
    with transaction.atomic():
        request = MediaRequest.objects.create(
            incident=incident,
            outlet=outlet.strip()[:200],
            requested_at=requested_at or now,
            topic=(topic or "").strip(),
            logged_by=actor,
        )
        event_record(
            actor=actor,
            subject=incident,
            verb="media.requested",
            at=now,
            data={
                "request": request.pk,
                "outlet": request.outlet,
                "topic": request.topic,
                "requested_at": request.requested_at.isoformat(),
            },
        )
    return request


def media_request_decide(
    *, actor, request, decision: str, note: str = "", now=None
) -> MediaRequest:
    """Interviews are the publicity office's call (unified release)."""
    now = now or timezone.now()
    if not permissions.can_publish(actor):
        raise PermissionDenied(_("Only the publicity office may decide on interviews."))
    if decision not in (MediaRequest.Decision.ACCEPTED, MediaRequest.Decision.DECLINED):
        raise ValidationError({"decision": [_("Choose accept or decline.")]})
    with transaction.atomic():
        request.decision, request.decision_note, request.decided_by = (
            decision,
            (note or "").strip(),
            actor,
        )
        request.save(update_fields=["decision", "decision_note", "decided_by"])
        event_record(
            actor=actor,
            subject=request.incident,
            verb="media.decided",
            at=now,
            data={
                "request": request.pk,
                "outlet": request.outlet,
                "decision": decision,
                "note": request.decision_note,
            },
        )
    return request


def incident_close(*, actor, incident, summary: str, now=None) -> Incident:
    """Refused while mandatory tasks are open; the refusal lists them."""
    now = now or timezone.now()
    if not permissions.can_command(actor, incident):
        raise PermissionDenied
    _require_open(incident)
    open_tasks = list(
        incident.tasks.filter(state=Task.State.OPEN, mandatory=True).order_by("due_at")
    )
    if open_tasks:
        raise ValidationError(
            _("Cannot close: mandatory tasks are still open: %(tasks)s.")
            % {"tasks": "；".join(t.title for t in open_tasks)}
        )
    if not (summary or "").strip():
        raise ValidationError({"summary": [_("Write a short closing summary.")]})
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        incident.status, incident.closed_by, incident.closed_at = Incident.Status.CLOSED, actor, now
        incident.save(update_fields=["status", "closed_by", "closed_at"])
        for task_id in incident.tasks.filter(state=Task.State.OPEN).values_list("pk", flat=True):
            deadlines_cancel(
                subject_type=TASK_SUBJECT, subject_id=task_id, now=now, outcome="incident_closed"
            )
        event_record(
            actor=actor,
            subject=incident,
            verb="incident.closed",
            at=now,
            data={"summary": summary.strip()},
        )
        # What follows a closing (the aftermath and its review) commits with it, or neither does.
        hooks.closed(actor=actor, incident=incident, now=now)
    return incident

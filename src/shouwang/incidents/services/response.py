"""The work while an incident is open: `task_complete` (its reminders stop),
`decision_record` (R-PLAN-4), `situation_add`, `arrival_record` (已到场) and
`outbound_report_record` (R-REP-6: a report sent upward, completing its reporting task)."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang import bounds
from shouwang.audit.services import batched_events, event_record
from shouwang.escalation.services import deadlines_cancel
from shouwang.plans.loading import plan_decision

from .. import permissions
from ..activation import TASK_SUBJECT
from ..models import Arrival, Decision, OutboundReport, SituationUpdate, Task
from .common import _require_open


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

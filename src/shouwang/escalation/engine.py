"""The escalation engine: start a report's route, escalate on missed deadlines, acknowledge.

Claim, act, record (DESIGN "Patterns to copy"): a worker claims a due Deadline with a
compare-and-set update and, in the SAME transaction, locks the report, checks the fence
(the report's current step), escalates, and writes the timeline events. A crash rolls all of
it back, so the deadline is simply claimed again; a second worker's claim finds the row no
longer open. The report row lock also serialises an acknowledgement racing the escalation:
whichever commits first wins, and the other records what it found.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shouwang.audit.services import batched_events, event_record
from shouwang.notify.services import deliveries_cancel, message_send

from . import routing
from .models import Deadline
from .policies import policy_for

log = logging.getLogger("shouwang.escalation")

REPORT_ACK = "report_ack"
DUTY_LEVEL = "duty"


def _report_url(report):
    return f"/reports/{report.pk}/"


def _title(report):
    return f"【{report.get_severity_display()}】{report.category.name} · {report.place}"


def route_start(*, report, now):
    """Freeze the policy onto the report and ask the first level. Runs in report_file's transaction."""
    policy = policy_for(report.category, report.severity)
    if policy is None:
        raise RuntimeError("no active escalation policy matches; load the defaults with migrate")
    steps = [dict(step) for step in policy.steps]
    start = policy.start_step
    # At night and on holidays the person on duty receives first (R-ORG-4).
    if routing.is_duty_time(now):
        steps.insert(start, {"roles": ["duty_officer"], "at": DUTY_LEVEL, "ack_minutes": settings.DUTY_ACK_MINUTES})
    report.policy_name = policy.name
    report.route = steps
    report.current_step = start
    report.save(update_fields=["policy_name", "route", "current_step"])
    event_record(actor=None, subject=report, verb="route.planned", at=now, data={
        "policy": policy.name, "policy_version": policy.version, "steps": steps, "start_step": start,
    })
    units = routing.context_units(report)
    _inform_skipped_levels(report, steps[:start], units, now)
    if report.category.is_security:
        _inform(report, step=-1, people=_step_people({"roles": ["security_officer"], "at": "office:security"}, units, now),
                reason="security", now=now)
    _activate_from(report, start, units, now)


def _step_people(step, units, now):
    if step["at"] == DUTY_LEVEL:
        return [(p, "duty_officer") for p in routing.duty_officers(units, now)]
    level_units = routing.units_for_level(units, step["at"])
    return routing.holders(level_units, step["roles"], timezone.localdate(now))


def _inform(report, *, step, people, reason, now):
    from shouwang.reports.models import Recipient

    if not people:
        return
    Recipient.objects.bulk_create([
        Recipient(report=report, person=p, step=step, purpose=Recipient.Purpose.INFO, role=role, added_at=now)
        for p, role in people
    ], ignore_conflicts=True)
    message_send(subject_type="reports.report", subject_id=report.pk, kind="report.info", title=_title(report),
                 body=report.description[:500], url=_report_url(report), recipients=[p for p, _ in people], now=now)
    event_record(actor=None, subject=report, verb="route.informed", at=now, data={
        "step": step, "reason": reason, "recipients": [p.pk for p, _ in people],
    })


def _inform_skipped_levels(report, skipped_steps, units, now):
    """越级上报: every skipped level still sees the report, for information."""
    for index, step in enumerate(skipped_steps):
        people = _step_people(step, units, now)
        if people:
            _inform(report, step=index, people=people, reason="skipped_level", now=now)
        else:
            event_record(actor=None, subject=report, verb="route.vacant", at=now,
                         data={"step": index, "roles": step["roles"], "at": step["at"], "purpose": "info"})


def _activate_from(report, index, units, now):
    """Ask the first staffed level from `index` on; vacant levels are skipped and recorded."""
    from shouwang.reports.models import Recipient, Report

    while index < len(report.route):
        step = report.route[index]
        everyone = _step_people(step, units, now)
        # The reporter already knows: asking them to acknowledge their own report would only
        # delay the next level (a dorm head's report goes straight to the counsellor).
        people = [(p, role) for p, role in everyone if p.pk != report.reporter_id]
        if everyone and not people:
            event_record(actor=None, subject=report, verb="route.reporter_level", at=now,
                         data={"step": index, "roles": step["roles"], "at": step["at"]})
            index += 1
            continue
        if people:
            due_at = now + timedelta(minutes=step["ack_minutes"])
            Recipient.objects.bulk_create([
                Recipient(report=report, person=p, step=index, purpose=Recipient.Purpose.ACK, role=role,
                          added_at=now, due_at=due_at)
                for p, role in people
            ])
            Deadline.objects.create(kind=REPORT_ACK, subject_type="reports.report", subject_id=str(report.pk),
                                    fence=index, due_at=due_at, created_at=now)
            report.current_step = index
            report.save(update_fields=["current_step"])
            message_send(subject_type="reports.report", subject_id=report.pk, kind="report.ack_request",
                         title=_title(report), body=report.description[:500], url=_report_url(report),
                         recipients=[p for p, _ in people], now=now)
            event_record(actor=None, subject=report, verb="route.step_started", at=now, data={
                "step": index, "roles": step["roles"], "at": step["at"], "due_at": due_at.isoformat(),
                "recipients": [p.pk for p, _ in people],
            })
            return True
        event_record(actor=None, subject=report, verb="route.vacant", at=now,
                     data={"step": index, "roles": step["roles"], "at": step["at"], "purpose": "ack"})
        index += 1
    report.current_step = index
    report.ack_state = Report.AckState.EXHAUSTED
    report.save(update_fields=["current_step", "ack_state"])
    event_record(actor=None, subject=report, verb="route.exhausted", at=now, data={"step": index})
    return False


def _lock_report(subject_id):
    from shouwang.reports.models import Report

    # SKIP LOCKED: if another worker (or an acknowledgement) holds this report, move on; the
    # deadline stays open and is looked at again on the next tick. SQLite ignores it and
    # serialises whole transactions instead.
    return (Report.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("category", "unit").filter(pk=subject_id).first())


def _escalate_report(deadline, report, now):
    from shouwang.reports.models import Recipient, Report

    if report.ack_state != Report.AckState.WAITING or report.current_step != deadline.fence:
        # The acknowledgement (or an earlier escalation) won; say so on the record.
        event_record(actor=None, subject=report, verb="route.escalation_skipped", at=now,
                     data={"step": deadline.fence, "reason": report.ack_state})
        return "superseded"
    missed = list(Recipient.objects.filter(report=report, step=deadline.fence, purpose=Recipient.Purpose.ACK,
                                           acked_at__isnull=True))
    Recipient.objects.filter(pk__in=[r.pk for r in missed]).update(missed_at=now)
    event_record(actor=None, subject=report, verb="deadline.missed", at=now, data={
        "step": deadline.fence, "persons": [r.person_id for r in missed], "due_at": deadline.due_at.isoformat(),
    })
    units = routing.context_units(report)
    escalated = _activate_from(report, deadline.fence + 1, units, now)
    if escalated:
        event_record(actor=None, subject=report, verb="report.escalated", at=now,
                     data={"from_step": deadline.fence, "to_step": report.current_step})
    return "escalated" if escalated else "exhausted"


# kind → (lock the subject, act on it). Locks are always taken subject first, deadline second,
# the same order as an acknowledgement takes them, so the two can never deadlock.
HANDLERS = {REPORT_ACK: (_lock_report, _escalate_report)}


def deadline_sweep(*, now=None, worker_id="worker", limit=200) -> int:
    """Act on every open deadline due by `now`. Safe to run in any number of workers."""
    now = now or timezone.now()
    due = list(Deadline.objects.filter(state=Deadline.State.OPEN, due_at__lte=now)
               .order_by("due_at").values_list("pk", "kind", "subject_id")[:limit])
    done = 0
    for pk, kind, subject_id in due:
        lock, act = HANDLERS[kind]
        with transaction.atomic(), batched_events():
            subject = lock(subject_id)
            if subject is None:
                continue
            # Compare-and-set: exactly one transaction moves the row out of "open".
            claimed = Deadline.objects.filter(pk=pk, state=Deadline.State.OPEN).update(
                state=Deadline.State.CLAIMED, claimed_by=worker_id, claimed_at=now, attempts=F("attempts") + 1,
            )
            if claimed != 1:
                continue
            deadline = Deadline.objects.get(pk=pk)
            outcome = act(deadline, subject, now)
            Deadline.objects.filter(pk=pk).update(state=Deadline.State.DONE, done_at=now, outcome=outcome)
            done += 1
    return done


def deadlines_cancel(*, subject_type, subject_id, now, outcome):
    return Deadline.objects.filter(subject_type=subject_type, subject_id=str(subject_id),
                                   state=Deadline.State.OPEN).update(
        state=Deadline.State.CANCELLED, done_at=now, outcome=outcome)


def report_acknowledge(*, report, person, channel, note, now):
    """Record an acknowledgement by a recipient; the first one stops the chain. Caller checks
    permission and holds the transaction; the report row is locked here."""
    from shouwang.reports.models import Recipient, Report

    report = Report.objects.select_for_update().get(pk=report.pk)
    receipt = (Recipient.objects.filter(report=report, person=person, purpose=Recipient.Purpose.ACK)
               .order_by("-step").first())
    if receipt is not None and receipt.acked_at is None:
        receipt.acked_at, receipt.ack_channel, receipt.ack_note = now, channel, note
        receipt.save(update_fields=["acked_at", "ack_channel", "ack_note"])
    first = report.ack_state != Report.AckState.ACKNOWLEDGED
    if first:
        report.ack_state = Report.AckState.ACKNOWLEDGED
        report.acknowledged_at, report.acknowledged_by = now, person
        report.save(update_fields=["ack_state", "acknowledged_at", "acknowledged_by"])
        deadlines_cancel(subject_type="reports.report", subject_id=report.pk, now=now, outcome="acknowledged")
        deliveries_cancel(subject_type="reports.report", subject_id=report.pk, now=now)
    event_record(actor=person, subject=report, verb="report.acknowledged" if first else "report.receipt_recorded",
                 at=now, data={
                     "channel": channel, "note": note, "step": receipt.step if receipt else None,
                     "current_step": report.current_step,
                     "late": bool(receipt and receipt.missed_at),
                 })
    return report

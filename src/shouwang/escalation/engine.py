"""The escalation engine: start a report's route, escalate on missed deadlines, acknowledge.

Claim, act, record (DESIGN "Patterns to copy"): a worker locks the reports of due deadlines,
claims the deadlines with a compare-and-set update and, in the SAME transaction, checks the
fence (the report's current step), escalates, and writes the timeline events. Report deadlines
are handled in batches of hundreds per transaction (planner.Routing loads who holds which post
for all of them at once; large sets of rows are written with COPY on PostgreSQL); other kinds
row by row, through HANDLERS. A report filed by an integration token is routed here too: it is
stored with a route deadline due at once (route_later), and the sweep routes such reports in
batches the way filing routes a person's report. Two workers take disjoint batches: reports are locked with SKIP
LOCKED from a window of due deadlines several batches deep. A crash rolls the batch back, so its
deadlines are simply claimed again; a second worker's claim finds the rows no longer open. The
report row lock also serialises an acknowledgement racing the escalation: whichever commits
first wins, and the other records what it found.
"""

import functools
import logging
import os
import socket
import uuid
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import get_language

from shouwang.audit.services import batched_events, event_record, rows_insert
from shouwang.notify.services import deliveries_cancel

from . import routing
from .models import Deadline
from .planner import DUTY_LEVEL, Routing
from .policies import policy_for

log = logging.getLogger("shouwang.escalation")

REPORT_ACK = "report_ack"
REPORT_ROUTE = "report_route"  # a report accepted without routing: the worker routes it (see report_file)
SWEEP_WINDOW = 4  # batches' worth of due deadlines listed at once (see _sweep_report_acks)
# What escalating a report reads of it (the sweep loads hundreds at a time, nothing more).
ESCALATION_FIELDS = ("id", "category_id", "severity", "unit_id", "place", "description", "reporter_id", "route",
                     "current_step", "ack_state")
ROUTING_FIELDS = (*ESCALATION_FIELDS, "filed_at", "policy_name")


def _report_url(report):
    return f"/reports/{report.pk}/"


@functools.lru_cache(maxsize=64)
def _severity_label(severity, language):
    from shouwang.reports.models import Severity

    return str(Severity(severity).label) if severity in Severity else severity


def _title(report):
    # The label translated once per language, not once per report: a sweep titles hundreds.
    return f"【{_severity_label(report.severity, get_language())}】{report.category.name} · {report.place}"


def route_plan(category, severity, now) -> dict:
    """The route a report filed now would take: the matching policy's steps, with the night or
    holiday duty officer put first. Computed before the report is stored, so it is stored with it."""
    policy = policy_for(category, severity, holiday_on=timezone.localdate(now))
    if policy is None:
        raise RuntimeError("no active escalation policy matches; load the defaults with migrate")
    steps = [dict(step) for step in policy.steps]
    start = policy.start_step
    # At night and on holidays the person on duty receives first (R-ORG-4).
    if routing.is_duty_time(now, holiday=policy.is_holiday):
        steps.insert(start, {"roles": ["duty_officer"], "at": DUTY_LEVEL, "ack_minutes": settings.DUTY_ACK_MINUTES})
    return {"policy_name": policy.name, "policy_version": policy.version, "route": steps, "current_step": start}


def route_start(*, report, now, planned=None, paths=None):
    """Freeze the policy onto the report and ask the first level. Runs in report_file's
    transaction. `planned` is route_plan's result when the report was stored with it; `paths`
    (the unit paths around the report) saves looking them up again."""
    plan = Routing(now)
    if planned is None:
        planned = route_plan(report.category, report.severity, now)
        _freeze(plan, report, planned)
    plan.load([report], paths={report.pk: paths} if paths is not None else None)
    _route(plan, report, planned, now)
    plan.flush()


def route_later(*, report, now):
    """Leave the routing of a stored report to the worker (deadline_sweep), due at once. Runs in
    the filing transaction, so an accepted report always has its route deadline."""
    rows_insert(Deadline, [{"kind": REPORT_ROUTE, "subject_type": "reports.report", "subject_id": str(report.pk),
                            "fence": 0, "due_at": now, "created_at": now}])


def _freeze(plan, report, planned):
    report.policy_name, report.route, report.current_step = (
        planned["policy_name"], planned["route"], planned["current_step"])
    plan.save(report, "policy_name", "route", "current_step")


def _route(plan, report, planned, now):
    """Record the frozen route, inform the levels it skips (and 保卫处 for security categories),
    and ask the first staffed level."""
    steps, start = report.route, report.current_step
    event_record(actor=None, subject=report, verb="route.planned", at=now, data={
        "policy": planned["policy_name"], "policy_version": planned["policy_version"], "steps": steps,
        "start_step": start,
    })
    _inform_skipped_levels(plan, report, steps[:start], now)
    if report.category.is_security:
        _inform(plan, report, step=-1, people=plan.people(report, {"roles": ["security_officer"],
                                                                   "at": "office:security"}),
                reason="security", now=now)
    # Nobody can acknowledge before this (only those asked may), so the report is still waiting.
    _activate_from(plan, report, start, now)


def _inform(plan, report, *, step, people, reason, now):
    from shouwang.reports.models import Recipient

    if not people:
        return
    plan.recipients_info += [
        {"report_id": report.pk, "person_id": p.pk, "step": step, "purpose": Recipient.Purpose.INFO, "role": role,
         "added_at": now}
        for p, role in people
    ]
    plan.send(subject_type="reports.report", subject_id=str(report.pk), kind="report.info", title=_title(report),
              body=report.description[:500], url=_report_url(report), recipients=[p for p, _ in people])
    event_record(actor=None, subject=report, verb="route.informed", at=now, data={
        "step": step, "reason": reason, "recipients": [p.pk for p, _ in people],
    })


def _inform_skipped_levels(plan, report, skipped_steps, now):
    """越级上报: every skipped level still sees the report, for information."""
    for index, step in enumerate(skipped_steps):
        people = plan.people(report, step)
        if people:
            _inform(plan, report, step=index, people=people, reason="skipped_level", now=now)
        else:
            event_record(actor=None, subject=report, verb="route.vacant", at=now,
                         data={"step": index, "roles": step["roles"], "at": step["at"], "purpose": "info"})


def _activate_from(plan, report, index, now):
    """Ask the first staffed level from `index` on; vacant levels are skipped and recorded."""
    from shouwang.reports.models import Recipient, Report

    while index < len(report.route):
        step = report.route[index]
        everyone = plan.people(report, step)
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
            plan.recipients_ack += [
                {"report_id": report.pk, "person_id": p.pk, "step": index, "purpose": Recipient.Purpose.ACK,
                 "role": role, "added_at": now, "due_at": due_at}
                for p, role in people
            ]
            plan.deadline(kind=REPORT_ACK, subject_type="reports.report", subject_id=str(report.pk), fence=index,
                          due_at=due_at)
            if report.current_step != index:
                report.current_step = index
                plan.save(report, "current_step")
            plan.send(subject_type="reports.report", subject_id=str(report.pk), kind="report.ack_request",
                      title=_title(report), body=report.description[:500], url=_report_url(report),
                      recipients=[p for p, _ in people])
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
    plan.save(report, "current_step", "ack_state")
    event_record(actor=None, subject=report, verb="route.exhausted", at=now, data={"step": index})
    return False


def _escalate_report(plan, deadline, report, missed_persons, now):
    """One claimed deadline of a locked report: record the miss (against `missed_persons`, the
    pks of those who did not acknowledge) and ask the next level."""
    from shouwang.reports.models import Report

    if report.ack_state != Report.AckState.WAITING or report.current_step != deadline.fence:
        # The acknowledgement (or an earlier escalation) won; say so on the record.
        event_record(actor=None, subject=report, verb="route.escalation_skipped", at=now,
                     data={"step": deadline.fence, "reason": report.ack_state})
        return "superseded"
    event_record(actor=None, subject=report, verb="deadline.missed", at=now, data={
        "step": deadline.fence, "persons": missed_persons, "due_at": deadline.due_at.isoformat(),
    })
    from_step = report.current_step
    escalated = _activate_from(plan, report, deadline.fence + 1, now)
    if escalated:
        event_record(actor=None, subject=report, verb="report.escalated", at=now,
                     data={"from_step": from_step, "to_step": report.current_step})
    return "escalated" if escalated else "exhausted"


def _due_reports(kind, now, limit) -> list[tuple]:
    """(deadline pk, report id) of open `kind` deadlines due by `now`: a window several batches
    deep, so that a second worker, finding the first `limit` reports locked by the first, takes
    the next ones instead of none."""
    return list(Deadline.objects.filter(kind=kind, state=Deadline.State.OPEN, due_at__lte=now)
                .order_by("due_at").values_list("pk", "subject_id")[:limit * SWEEP_WINDOW])


def _lock_and_claim(due, now, worker_id, limit, fields):
    """In the caller's transaction: lock up to `limit` of the reports of `due` that nobody else
    holds, and claim their deadlines. → ({report id: report}, [claimed deadlines])"""
    from shouwang.reports.models import Category, Report

    # Locks are taken subject first, deadline second, the order an acknowledgement takes them.
    # LIMIT and SKIP LOCKED in one statement: `limit` reports nobody else holds. Only what the
    # sweep reads is loaded; the few categories come from one small query.
    reports = {str(r.pk): r for r in Report.objects.select_for_update(skip_locked=True, of=("self",))
               .only(*fields).annotate(unit_path=F("unit__path"))
               .filter(pk__any_of={int(s) for _pk, s in due}).order_by("pk")[:limit]}
    token = f"{worker_id}:{uuid.uuid4().hex[:12]}"
    candidates = [pk for pk, s in due if s in reports]
    # Claimed straight to done: claim and act commit together or not at all, so "claimed"
    # would never be seen by anyone else, and one write of the indexed state is enough (the
    # outcome, written last, touches no index).
    Deadline.objects.filter(pk__any_of=candidates, state=Deadline.State.OPEN).update(
        state=Deadline.State.DONE, claimed_by=token, claimed_at=now, done_at=now, attempts=F("attempts") + 1)
    claimed = list(Deadline.objects.filter(pk__any_of=candidates, claimed_by=token, state=Deadline.State.DONE)
                   .only("id", "subject_id", "fence", "due_at").order_by("subject_id", "fence"))
    if claimed:
        categories = Category.objects.in_bulk({r.category_id for r in reports.values()})
        for report in reports.values():
            report.category = categories[report.category_id]
    return reports, claimed


def _sweep_report_routes(now, worker_id, limit) -> int:
    """Route up to `limit` reports accepted without routing (filed by an integration: an
    access-control or campus-card system files in bursts) in ONE transaction, exactly as
    filing routes one: the policy frozen onto each report as of its filing time (night duty
    included), skipped levels and 保卫处 informed, the first staffed level asked."""
    due = _due_reports(REPORT_ROUTE, now, limit)
    if not due:
        return 0
    with transaction.atomic(), batched_events():
        reports, claimed = _lock_and_claim(due, now, worker_id, limit, ROUTING_FIELDS)
        if not claimed:
            return 0
        plan, plans, routed, outcomes = Routing(now), {}, [], defaultdict(list)
        for deadline in claimed:
            report = reports[deadline.subject_id]
            if report.route:  # routed already (cannot happen: one route deadline per report)
                outcomes["superseded"].append(deadline.pk)
                continue
            filed = report.filed_at
            # Reports of one burst share category, severity and night: one policy lookup for all.
            key = (report.category_id, report.severity, timezone.localdate(filed), routing.is_night(filed))
            if key not in plans:
                plans[key] = route_plan(report.category, report.severity, filed)
            _freeze(plan, report, plans[key])
            routed.append((report, plans[key]))
            outcomes["routed"].append(deadline.pk)
        plan.load([report for report, _planned in routed])
        for report, planned in routed:
            _route(plan, report, planned, now)
        plan.flush()
        for outcome, pks in outcomes.items():
            Deadline.objects.filter(pk__any_of=pks).update(outcome=outcome)
    return len(claimed)


def _sweep_report_acks(now, worker_id, limit) -> int:
    """Escalate up to `limit` due report deadlines in ONE transaction: reports locked (skipping
    any another worker or an acknowledgement holds), deadlines claimed by compare-and-set with
    this batch's token, misses, next steps, messages and events written together. A crash rolls
    the whole batch back; a second worker can claim none of it."""
    from shouwang.reports.models import Recipient

    due = _due_reports(REPORT_ACK, now, limit)
    if not due:
        return 0
    with transaction.atomic(), batched_events():
        reports, claimed = _lock_and_claim(due, now, worker_id, limit, ESCALATION_FIELDS)
        if not claimed:
            return 0
        plan = Routing(now)
        plan.load([reports[d.subject_id] for d in claimed])
        waiting = defaultdict(list)  # (report, step) → [(receipt pk, person pk)] not acknowledged
        for pk, report_id, step, person_id in (
                Recipient.objects.filter(report_id__any_of=[int(d.subject_id) for d in claimed],
                                         purpose=Recipient.Purpose.ACK, acked_at__isnull=True)
                .values_list("pk", "report_id", "step", "person_id")):
            waiting[(report_id, step)].append((pk, person_id))
        outcomes, missed_ids = defaultdict(list), []
        for deadline in claimed:
            report = reports[deadline.subject_id]
            missed = waiting[(report.pk, deadline.fence)]
            outcome = _escalate_report(plan, deadline, report, [person for _pk, person in missed], now)
            if outcome != "superseded":
                missed_ids += [pk for pk, _person in missed]  # the miss is recorded against each of them
            outcomes[outcome].append(deadline.pk)
        Recipient.objects.filter(pk__any_of=missed_ids).update(missed_at=now)
        plan.flush()
        for outcome, pks in outcomes.items():
            Deadline.objects.filter(pk__any_of=pks).update(outcome=outcome)
    return len(claimed)


# Other deadline kinds (incident tasks, …) register kind → (lock the subject, act on it) here and
# are handled row by row: the subject is locked first, then the deadline claimed, the same order
# as their completions take them.
HANDLERS = {}


def _sweep_other_kinds(now, worker_id, limit) -> int:
    due = list(Deadline.objects.filter(state=Deadline.State.OPEN, due_at__lte=now)
               .exclude(kind__in=[REPORT_ACK, REPORT_ROUTE])
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


def deadline_sweep(*, now=None, worker_id=None, limit=500, max_batches=None) -> int:
    """Act on open deadlines due by `now`: reports waiting to be routed first, then missed
    acknowledgements, `limit` reports per transaction until none is left (or `max_batches` of
    each were done), then other kinds. Safe to run in any number of workers."""
    now = now or timezone.now()
    worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}"  # claimed_by says which process
    done = 0
    for sweep in (_sweep_report_routes, _sweep_report_acks):
        batches = 0
        while max_batches is None or batches < max_batches:
            batch = sweep(now, worker_id, limit)
            done, batches = done + batch, batches + 1
            if batch < limit:
                break
    return done + _sweep_other_kinds(now, worker_id, limit)


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

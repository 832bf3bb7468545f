"""The deadline sweep: claim, act, record (DESIGN "Patterns to copy"). A worker locks the reports
of due deadlines, claims the deadlines with a compare-and-set update and, in the SAME
transaction, checks the fence (the report's current step), escalates, and writes the timeline
events. Report deadlines are handled in batches of hundreds per transaction (planner.Routing
loads who holds which post for all of them at once; large sets of rows are written with COPY on
PostgreSQL); other kinds row by row, through HANDLERS. A report filed by an integration token is
stored with a route deadline due at once (engine.route_later), and the sweep routes such
reports in batches the way filing routes a person's report. Two workers take disjoint batches:
reports are locked with SKIP LOCKED from a window of due deadlines several batches deep. A
crash rolls the batch back, so its deadlines are simply claimed again; a second worker's claim
finds the rows no longer open.
"""

import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shouwang.audit.services import batched_events

from . import engine, routing
from .models import Deadline
from .planner import Routing

SWEEP_WINDOW = 4  # batches' worth of due deadlines listed at once (see _due_reports)
# What escalating a report reads of it (the sweep loads hundreds at a time, nothing more).
ESCALATION_FIELDS = ("id", "category_id", "severity", "unit_id", "place", "description", "reporter_id", "route",
                     "current_step", "ack_state")
ROUTING_FIELDS = (*ESCALATION_FIELDS, "filed_at", "policy_name")


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
    due = _due_reports(engine.REPORT_ROUTE, now, limit)
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
                plans[key] = engine.route_plan(report.category, report.severity, filed)
            engine.route_freeze(plan, report, plans[key])
            routed.append((report, plans[key]))
            outcomes["routed"].append(deadline.pk)
        plan.load([report for report, _planned in routed])
        for report, planned in routed:
            engine.route_begin(plan, report, planned, now)
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

    due = _due_reports(engine.REPORT_ACK, now, limit)
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
            outcome = engine.escalate_report(plan, deadline, report, [person for _pk, person in missed], now)
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
HANDLERS: dict[str, tuple[Callable, Callable]] = {}


def _sweep_other_kinds(now, worker_id, limit) -> int:
    due = list(Deadline.objects.filter(state=Deadline.State.OPEN, due_at__lte=now)
               .exclude(kind__in=[engine.REPORT_ACK, engine.REPORT_ROUTE])
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
    # Most ticks find nothing due: ask that once (the partial index on open rows answers it),
    # not once per kind.
    if not Deadline.objects.filter(state=Deadline.State.OPEN, due_at__lte=now).exists():
        return 0
    done = 0
    for sweep in (_sweep_report_routes, _sweep_report_acks):
        batches = 0
        while max_batches is None or batches < max_batches:
            batch = sweep(now, worker_id, limit)
            done, batches = done + batch, batches + 1
            if batch < limit:
                break
    return done + _sweep_other_kinds(now, worker_id, limit)

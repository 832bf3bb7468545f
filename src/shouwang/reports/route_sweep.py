"""The reports' deadline kinds on the engine's sweep, and their auditor check (registered in
apps.py). Report deadlines are handled in batches of hundreds per transaction: ReportRouting
loads who holds which post for all of them at once, and large sets of rows are written with
COPY on PostgreSQL. A report filed by an integration token is stored with a route deadline due
at once (route.route_later), and the sweep routes such reports in batches the way filing routes
a person's report. Two workers take disjoint batches: reports are locked with SKIP LOCKED from a
window of due deadlines several batches deep (escalation.sweep.due_window).
"""

import uuid
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, F, OuterRef
from django.db.models.functions import Cast
from django.utils import timezone

from shouwang.audit.services import batched_events, event_record
from shouwang.escalation import routing
from shouwang.escalation.engine import route_plan
from shouwang.escalation.models import Deadline
from shouwang.escalation.sweep import claim_done, deadlines_outcome, due_window

from . import route
from .models import Category, Recipient, Report

# What escalating a report reads of it (the sweep loads hundreds at a time, nothing more).
ESCALATION_FIELDS = (
    "id",
    "category_id",
    "severity",
    "unit_id",
    "place",
    "description",
    "reporter_id",
    "route",
    "current_step",
    "ack_state",
    "source",
)
ROUTING_FIELDS = (*ESCALATION_FIELDS, "filed_at", "policy_name")


def _lock_and_claim(due, now, worker_id, limit, fields):
    """In the caller's transaction: lock up to `limit` of the reports of `due` that nobody else
    holds, and claim their deadlines. → ({report id: report}, [claimed deadlines])"""
    # Locks are taken subject first, deadline second, the order an acknowledgement takes them.
    # LIMIT and SKIP LOCKED in one statement: `limit` reports nobody else holds. Only what the
    # sweep reads is loaded; the few categories come from one small query.
    reports = {
        str(r.pk): r
        for r in Report.objects.select_for_update(skip_locked=True, of=("self",))
        .only(*fields)
        .annotate(unit_path=F("unit__path"))
        .filter(pk__any_of={int(s) for _pk, s in due})
        .order_by("pk")[:limit]
    }
    token = f"{worker_id}:{uuid.uuid4().hex[:12]}"
    claimed = claim_done([pk for pk, s in due if s in reports], token=token, now=now)
    if claimed:
        categories = Category.objects.in_bulk({r.category_id for r in reports.values()})
        for report in reports.values():
            report.category = categories[report.category_id]
    return reports, claimed


def _grouped_bursts(due):
    """The bursts among the due reports whose messages are grouped (route.GROUPED: a rule's
    filing, e.g. one night scan): [(source, filed_at)] in order of their first report, and the
    pks of those reports. Each burst is routed whole in one transaction, whatever `limit` and
    however many workers, so its messages coalesce into ONE per person."""
    if not route.GROUPED:
        return [], set()
    rows = (
        Report.objects.filter(
            pk__any_of={int(s) for _pk, s in due}, category__code__in=sorted(route.GROUPED)
        )
        .exclude(source="")
        .order_by("pk")
        .values_list("pk", "source", "filed_at")
    )
    bursts: dict[tuple, None] = {}
    ids = set()
    for pk, source, filed_at in rows:
        bursts[(source, filed_at)] = None
        ids.add(pk)
    return list(bursts), ids


def _lock_and_claim_burst(source, filed_at, now, worker_id):
    """In the caller's transaction: the whole burst or nothing. The burst's first report is its
    lock (SKIP LOCKED: another worker routing it → skip); holding it, every report of the burst
    with an open route deadline is locked and claimed. → ({report id: report}, [claimed])"""
    burst = Report.objects.filter(source=source, filed_at=filed_at)
    head = burst.order_by("pk").values_list("pk", flat=True).first()
    if head is None:
        return {}, []
    held = list(
        Report.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk=head)
        .values_list("pk", flat=True)
    )
    if not held:
        return {}, []
    due = list(
        Deadline.objects.filter(
            kind=route.REPORT_ROUTE,
            state=Deadline.State.OPEN,
            due_at__lte=now,
            subject_type=route.SUBJECT,
            subject_id__in=burst.annotate(s=Cast("pk", CharField())).values("s"),
        ).values_list("pk", "subject_id")
    )
    if not due:
        return {}, []
    # Nobody else routes these (they would need the head first): wait, never skip, for a short
    # lock someone else holds (a rule resolving one of them).
    reports = {
        str(r.pk): r
        for r in Report.objects.select_for_update(of=("self",))
        .only(*ROUTING_FIELDS)
        .annotate(unit_path=F("unit__path"))
        .filter(pk__any_of={int(s) for _pk, s in due})
        .order_by("pk")
    }
    token = f"{worker_id}:{uuid.uuid4().hex[:12]}"
    claimed = claim_done([pk for pk, s in due if s in reports], token=token, now=now)
    categories = Category.objects.in_bulk({r.category_id for r in reports.values()})
    for report in reports.values():
        report.category = categories[report.category_id]
    return reports, claimed


def sweep_routes(now, worker_id, limit) -> int:
    """Route up to `limit` reports accepted without routing (filed by an integration: an
    access-control or campus-card system files in bursts) in ONE transaction, exactly as
    filing routes one (a rule's burst of grouped reports whole, see _grouped_bursts): the
    policy frozen onto each report as of its filing time (night duty included), skipped levels
    and 保卫处 informed, the first staffed level asked."""
    due = due_window(route.REPORT_ROUTE, now, limit)
    if not due:
        return 0
    bursts, grouped_ids = _grouped_bursts(due)
    with transaction.atomic(), batched_events():
        reports: dict[str, Report] = {}
        claimed: list[Deadline] = []
        for source, filed_at in bursts:
            if len(claimed) >= limit:
                break
            got, got_claimed = _lock_and_claim_burst(source, filed_at, now, worker_id)
            reports.update(got)
            claimed += got_claimed
        rest = [(pk, s) for pk, s in due if int(s) not in grouped_ids]
        if rest and len(claimed) < limit:
            got, got_claimed = _lock_and_claim(
                rest, now, worker_id, limit - len(claimed), ROUTING_FIELDS
            )
            reports.update(got)
            claimed += got_claimed
        if not claimed:
            return 0
        plan, plans, routed, outcomes = route.ReportRouting(now), {}, [], defaultdict(list)
        for deadline in claimed:
            report = reports[deadline.subject_id]
            if report.route:  # routed already (cannot happen: one route deadline per report)
                outcomes["superseded"].append(deadline.pk)
                continue
            filed = report.filed_at
            # Reports of one burst share category, severity and night: one policy lookup for all.
            key = (
                report.category_id,
                report.severity,
                timezone.localdate(filed),
                routing.is_night(filed),
            )
            if key not in plans:
                plans[key] = route_plan(report.category, report.severity, filed)
            route.route_freeze(plan, report, plans[key])
            routed.append((report, plans[key]))
            outcomes["routed"].append(deadline.pk)
        plan.load_reports([report for report, _planned in routed])
        for report, planned in routed:
            route.route_begin(plan, report, planned, now)
        plan.flush()
        deadlines_outcome(outcomes)
    return len(claimed)


def sweep_acks(now, worker_id, limit) -> int:
    """Escalate up to `limit` due report deadlines in ONE transaction: reports locked (skipping
    any another worker or an acknowledgement holds), deadlines claimed by compare-and-set with
    this batch's token, misses, next steps, messages and events written together. A crash rolls
    the whole batch back; a second worker can claim none of it."""
    due = due_window(route.REPORT_ACK, now, limit)
    if not due:
        return 0
    with transaction.atomic(), batched_events():
        reports, claimed = _lock_and_claim(due, now, worker_id, limit, ESCALATION_FIELDS)
        if not claimed:
            return 0
        plan = route.ReportRouting(now)
        plan.load_reports([reports[d.subject_id] for d in claimed])
        waiting = defaultdict(list)  # (report, step) → [(receipt pk, person pk)] not acknowledged
        for pk, report_id, step, person_id in Recipient.objects.filter(
            report_id__any_of=[int(d.subject_id) for d in claimed],
            purpose=Recipient.Purpose.ACK,
            acked_at__isnull=True,
        ).values_list("pk", "report_id", "step", "person_id"):
            waiting[(report_id, step)].append((pk, person_id))
        outcomes, missed_ids = defaultdict(list), []
        for deadline in claimed:
            report = reports[deadline.subject_id]
            missed = waiting[(report.pk, deadline.fence)]
            outcome = route.escalate_report(
                plan, deadline, report, [person for _pk, person in missed], now
            )
            if outcome != "superseded":
                missed_ids += [
                    pk for pk, _person in missed
                ]  # the miss is recorded against each of them
            outcomes[outcome].append(deadline.pk)
        Recipient.objects.filter(pk__any_of=missed_ids).update(missed_at=now)
        plan.flush()
        deadlines_outcome(outcomes)
    return len(claimed)


# ---- the auditor's check ---------------------------------------------------------------------


def reports_without_deadline() -> list[int]:
    """Pks of waiting reports with no live deadline: one anti-join in the database (one
    snapshot, no table brought into Python), so its cost follows the waiting reports only."""
    # subject_id is text; compare as text on both databases.
    live = Deadline.objects.filter(
        subject_type=route.SUBJECT,
        subject_id=Cast(OuterRef("pk"), CharField()),
        state__in=[Deadline.State.OPEN, Deadline.State.CLAIMED],
    )
    return list(
        Report.objects.filter(ack_state=Report.AckState.WAITING)
        .filter(~Exists(live))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def reports_repair(*, now, **kwargs) -> int:
    """Every report still waiting for an acknowledgement must have a live deadline: put back
    the missing one (and say so on the report's timeline) so the chain moves on."""
    repaired = 0
    for pk in reports_without_deadline():
        with transaction.atomic():
            report = Report.objects.select_for_update().get(pk=pk)
            if report.ack_state != Report.AckState.WAITING:
                continue
            # Never routed (accepted for the worker to route): the route deadline comes back;
            # otherwise the acknowledgement deadline of its current step.
            kind = route.REPORT_ACK if report.route else route.REPORT_ROUTE
            try:
                with transaction.atomic():
                    Deadline.objects.create(
                        kind=kind,
                        subject_type=route.SUBJECT,
                        subject_id=str(report.pk),
                        fence=report.current_step if report.route else 0,
                        due_at=now,
                        created_at=now,
                    )
            except IntegrityError:
                # A deadline for this step exists: done (nothing safe to repair), or made since
                # the look (the report moved on meanwhile).
                continue
            event_record(
                actor=None,
                subject=report,
                verb="auditor.deadline_restored",
                at=now,
                data={"step": report.current_step, "kind": kind},
            )
            repaired += 1
    return repaired

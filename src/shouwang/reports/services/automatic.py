"""Reports raised by rules (the night scan's 夜不归宿, a truancy streak, an overdue return from
leave): filed in one batch with no person or token behind them, routed by the worker, and
resolved on the record when the rule sees them answered."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from shouwang.audit.services import batched_events, event_record, rows_insert
from shouwang.escalation.models import Deadline

from .. import route
from ..models import Category, Report, ReportUpdate, Severity

MAX_AUTOMATIC_BATCH = 20_000


def reports_file_automatic(*, source: str, items, now=None) -> list[Report]:
    """File the reports a rule raised — no person and no token behind them (the night scan's
    夜不归宿, a truancy streak, an overdue return from leave) — in ONE transaction, as an
    integration's reports are: stored with a route deadline due now, so the worker routes them
    in batches by the same policies (night duty included) within a second.

    `items`: dicts with `key` (dedup: one report per key, ever — a key already filed is skipped,
    so a rerun of a scan files nothing twice), `category` (code), `severity`, `unit` (a Unit:
    usually the student's class), `students` (Student objects), `occurred_at`, `place`,
    `description`. Returns the reports newly filed, in the order of `items`. Bad items raise
    ValueError naming the item and nothing is filed: the callers are code, not forms."""
    now = now or timezone.now()
    items = list(items)
    if not source or len(source) > 40:
        raise ValueError("source: 1–40 characters")
    if len(items) > MAX_AUTOMATIC_BATCH:
        raise ValueError(f"at most {MAX_AUTOMATIC_BATCH} reports in one batch")
    categories = {c.code: c for c in Category.objects.filter(is_active=True)}
    severities = set(Severity.values)
    seen: set[str] = set()
    for n, item in enumerate(items):
        key = item.get("key") or ""
        problem = (
            "key: 1–120 characters"
            if not key or len(key) > 120
            else f"unknown category {item.get('category')!r}"
            if item.get("category") not in categories
            else f"unknown severity {item.get('severity')!r}"
            if item.get("severity") not in severities
            else "unit: a Unit"
            if getattr(item.get("unit"), "pk", None) is None
            else "occurred_at: an aware datetime not in the future"
            if not item.get("occurred_at")
            or timezone.is_naive(item["occurred_at"])
            or item["occurred_at"] > now
            else "description: required"
            if not (item.get("description") or "").strip()
            else ""
        )
        if problem:
            raise ValueError(f"item {n}: {problem}")
        if key in seen:
            raise ValueError(f"item {n}: key {key!r} repeats in the batch")
        seen.add(key)
    filed_keys = set(
        Report.objects.filter(source_key__any_of=sorted(seen)).values_list("source_key", flat=True)
    )
    fresh = [item for item in items if item["key"] not in filed_keys]
    if not fresh:
        return []
    with transaction.atomic(), batched_events():
        reports = Report.objects.bulk_create(
            [
                Report(
                    category=categories[item["category"]],
                    severity=item["severity"],
                    unit=item["unit"],
                    occurred_at=item["occurred_at"],
                    place=(item.get("place") or "").strip()[:200],
                    description=item["description"].strip(),
                    filed_at=now,
                    source=source,
                    source_key=item["key"],
                )
                for item in fresh
            ],
            batch_size=2000,
        )
        if reports and reports[0].pk is None:  # a backend that cannot return bulk ids
            ids = dict(
                Report.objects.filter(
                    source_key__any_of=[r.source_key for r in reports]
                ).values_list("source_key", "pk")
            )
            for report in reports:
                report.pk = ids[report.source_key]
        rows_insert(
            Report.students.through,
            [
                {"report_id": report.pk, "student_id": student.pk}
                for report, item in zip(reports, fresh, strict=True)
                for student in item.get("students") or ()
            ],
        )
        for report, item in zip(reports, fresh, strict=True):
            event_record(
                actor=None,
                subject=report,
                verb="report.filed",
                at=now,
                data={
                    "category": report.category.code,
                    "severity": report.severity,
                    "unit": item["unit"].code,
                    "occurred_at": report.occurred_at.isoformat(),
                    "place": report.place,
                    "people_count": None,
                    "students": [s.student_no for s in item.get("students") or ()],
                    "units_involved": [],
                    "attachments": [],
                    "via": f"rule:{source}",
                    "key": report.source_key,
                },
            )
        rows_insert(
            Deadline,
            [
                {
                    "kind": route.REPORT_ROUTE,
                    "subject_type": route.SUBJECT,
                    "subject_id": str(report.pk),
                    "fence": 0,
                    "due_at": now,
                    "created_at": now,
                }
                for report in reports
            ],
        )
    return reports


def report_resolve_automatic(*, report: Report, note: str, source: str, now=None) -> bool:
    """The rule that raised a report saw it answered (已返校 23:12，门禁): the note is appended as
    an update by the system. If nobody had acted yet (no acknowledgement), the report is
    resolved on the record — route deadlines and pending deliveries stopped, `report.resolved`
    recorded — and True is returned; it is never deleted. After someone acted, the note only
    informs them (False)."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note or len(note) > 200:
        raise ValueError("note: 1–200 characters")
    with transaction.atomic(), batched_events():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.source != source:
            raise PermissionDenied("only the rule that raised a report resolves it")
        if report.resolved_at is not None:
            return False
        ReportUpdate.objects.create(report=report, author=None, text=note, at=now)
        event_record(
            actor=None,
            subject=report,
            verb="report.updated",
            at=now,
            data={"text": note, "via": f"rule:{source}"},
        )
        if report.ack_state == Report.AckState.ACKNOWLEDGED:
            return False
        report.resolved_at, report.resolution = now, note
        report.save(update_fields=["resolved_at", "resolution"])
        route.route_stop(report=report, now=now, outcome="resolved")
        event_record(
            actor=None,
            subject=report,
            verb="report.resolved",
            at=now,
            data={"resolution": note, "via": f"rule:{source}"},
        )
    return True

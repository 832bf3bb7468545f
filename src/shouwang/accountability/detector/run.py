"""Running the rules: the rows they read, the findings stored once, the worker's sweep."""

from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.audit.services import batched_events, event_record, rows_insert
from shouwang.escalation.levels import Severity
from shouwang.incidents.models import Incident
from shouwang.org.models import Unit
from shouwang.reports.models import Category, Report

from ..models import Finding
from .common import DETECTOR_LOCK, FIELDS, WINDOW_DAYS, Proposal, _limits
from .concealment import concealments
from .false_reports import false_reports
from .late import late_reports
from .missed import missed_reports
from .on_scene import ack_misses, arrivals


class Row:
    """A report as the rules read it: its columns, its category and unit, and its frozen route
    (loaded only for the few reports a rule looks further into)."""

    __slots__ = (*FIELDS, "category", "unit", "route", "day")

    def get_severity_display(self):
        return (
            str(Severity(self.severity).label)
            if self.severity in Severity.values
            else self.severity
        )


def _rows(queryset) -> list[Row]:
    categories = {c.pk: c for c in Category.objects.all()}
    rows = []
    for values in queryset.values_list(*FIELDS):
        row = Row()
        for name, value in zip(FIELDS, values, strict=True):
            setattr(row, name, value)
        row.category, row.route, row.day = categories[row.category_id], None, None
        rows.append(row)
    units = Unit.objects.in_bulk({r.unit_id for r in rows})
    for row in rows:
        row.unit = units[row.unit_id]
    return rows


def propose(*, now, since=None) -> list[Proposal]:
    reports_qs = Report.objects.order_by()
    incidents_qs = Incident.objects.order_by()
    if since is not None:
        reports_qs = reports_qs.filter(filed_at__gte=since)
        incidents_qs = incidents_qs.filter(activated_at__gte=since)
    reports = _rows(reports_qs)
    limit_for = _limits()
    by_pk = {r.pk: r for r in reports}
    return [
        *late_reports(reports, limit_for),
        *missed_reports(reports),
        *concealments(reports, limit_for),
        *false_reports(reports),
        *ack_misses(list(by_pk), by_pk),
        *arrivals(list(incidents_qs), now),
    ]


def _evidence(proposals) -> dict:
    """Event pks per proposal key, read only for the subjects of new proposals."""
    subjects = defaultdict(set)
    for p in proposals:
        subjects[p.subject_type].add(p.subject_id)
    verbs = {v for p in proposals for v in p.verbs}
    events = defaultdict(list)
    for subject_type, ids in subjects.items():
        for pk, subject_id, verb, data, actor_id in (
            Event.objects.filter(
                subject_type=subject_type, subject_id__in=list(ids), verb__in=verbs
            )
            .order_by("seq")
            .values_list("pk", "subject_id", "verb", "data", "actor_id")
        ):
            events[(subject_type, subject_id)].append((pk, verb, data, actor_id))
    out = {}
    for p in proposals:
        keep = []
        for pk, verb, data, actor_id in events[(p.subject_type, p.subject_id)]:
            if verb not in p.verbs:
                continue
            if (
                p.evidence_persons
                and verb == "deadline.missed"
                and p.person_id not in (data.get("persons") or [])
            ):
                continue
            if verb == "arrival.recorded" and actor_id != p.person_id:
                continue
            keep.append(pk)
        out[p.key] = keep
    return out


def _serialise_runs():
    """One detector run at a time: a second worker's run waits, then finds the first one's
    findings and adds none (SQLite serialises writing transactions anyway)."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [DETECTOR_LOCK])


def detect(*, now=None, since=None, actor=None) -> dict:
    """Store the findings not stored yet; returns {"created": n, "by_kind": {...}}. Idempotent:
    the (kind, subject, person) key skips what exists; runs are serialised, and the unique
    constraint stands behind both."""
    now = now or timezone.now()
    proposals = propose(now=now, since=since)
    unique = {}
    for p in proposals:
        unique.setdefault(p.key, p)
    by_kind: dict[str, int] = defaultdict(int)
    with transaction.atomic(), batched_events():
        _serialise_runs()
        existing = set()
        if unique:
            existing = set(
                Finding.objects.filter(
                    kind__in={k[0] for k in unique}, subject_id__in={k[2] for k in unique}
                ).values_list("kind", "subject_type", "subject_id", "person_key")
            )
        new = [p for key, p in unique.items() if key not in existing]
        evidence = _evidence(new)
        ids = rows_insert(
            Finding,
            [
                {
                    "kind": p.kind,
                    "subject_type": p.subject_type,
                    "subject_id": p.subject_id,
                    "report_id": p.report_id,
                    "incident_id": p.incident_id,
                    "person_id": p.person_id,
                    "person_key": p.person_id or 0,
                    "unit_id": p.unit_id,
                    "detail": p.detail,
                    "summary": p.summary[:300],
                    "facts": p.facts,
                    "evidence": evidence[p.key],
                    "occurred_at": p.occurred_at,
                    "detected_at": now,
                }
                for p in new
            ],
            ids=True,
        )
        for pk, p in zip(ids, new, strict=True):
            by_kind[p.kind] += 1
            event_record(
                actor=actor,
                subject=("accountability.finding", pk),
                verb="finding.detected",
                at=now,
                data={
                    "kind": p.kind,
                    "subject": f"{p.subject_type}:{p.subject_id}",
                    "person": p.person_id,
                    "summary": p.summary[:300],
                },
            )
    return {"created": sum(by_kind.values()), "by_kind": dict(by_kind)}


def detector_sweep(now):
    """The worker's run: the recent record only (WINDOW_DAYS)."""
    return detect(now=now, since=now - timedelta(days=WINDOW_DAYS))["created"]

"""Every read of findings, scoped: a person sees the findings naming them; a college head and
the offices (rank ≥ SEES_UNIT_RANK, or the power to decide) the findings of the units in their
scope. The agreed names for the siblings: findings_for_incident, findings_for_report."""

import datetime

from django.db import connection
from django.db.models import (
    CharField,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Cast, ExtractHour, TruncMonth
from django.shortcuts import get_object_or_404
from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.audit.models import Event
from shouwang.incidents.models import Arrival
from shouwang.incidents.selectors import incidents_visible
from shouwang.org.models import Unit
from shouwang.org.scope import scope_for
from shouwang.reports.models import Category, Recipient
from shouwang.reports.selectors import reports_visible

from .models import Finding
from .permissions import can_decide, sees_unit_findings


def findings_visible(viewer):
    if not getattr(viewer, "is_authenticated", False) or not getattr(viewer, "pk", None):
        return Finding.objects.none()
    scope = scope_for(viewer)
    if scope.everything:
        return Finding.objects.all()
    q = Q(person=viewer)
    if sees_unit_findings(viewer) or can_decide(viewer):
        q |= scope.q("unit__path")
    return Finding.objects.filter(q)


def finding_list(
    viewer, *, kind: str = "", state: str = "", unit: str = "", since=None, until=None
):
    qs = findings_visible(viewer).select_related("person", "unit", "report__category", "incident")
    if kind:
        qs = qs.filter(kind=kind)
    if state:
        qs = qs.filter(state=state)
    if unit:
        qs = qs.filter(unit__path__contains=f"/{unit}/")
    if since:
        qs = qs.filter(occurred_at__gte=since)
    if until:
        qs = qs.filter(occurred_at__lt=until)
    return qs.order_by("-occurred_at", "-pk")


def finding_get(viewer, pk) -> Finding:
    """404 for a finding the viewer may not see: its existence is not disclosed."""
    return get_object_or_404(
        findings_visible(viewer).select_related(
            "person", "unit", "report__category", "incident", "explained_by", "decided_by"
        ),
        pk=pk,
    )


def finding_evidence(finding) -> list:
    """The timeline events the finding rests on, in order."""
    return list(
        Event.objects.filter(pk__in=finding.evidence).select_related("actor").order_by("seq")
    )


def finding_brief(finding) -> dict:
    """A finding as the siblings (aftermath's 责任界定, documents) show it."""
    return {
        "id": finding.pk,
        "kind": finding.kind,
        "kind_label": str(finding.get_kind_display()),
        "person": finding.person.display_name if finding.person else "",
        "person_id": finding.person_id,
        "unit": finding.unit.name,
        "unit_id": finding.unit_id,
        "state": finding.state,
        "state_label": str(finding.get_state_display()),
        "evidence": list(finding.evidence),
        "summary": finding.summary,
        "occurred_at": finding.occurred_at,
        "decision_reason": finding.decision_reason,
    }


def findings_for_incident(viewer, incident) -> list[dict]:
    """The findings about an incident and about the report it came from, as viewer may see them."""
    q = Q(incident_id=incident.pk)
    if incident.report_id:
        q |= Q(report_id=incident.report_id)
    return [
        finding_brief(f)
        for f in findings_visible(viewer)
        .filter(q)
        .select_related("person", "unit")
        .order_by("occurred_at", "pk")
    ]


def findings_for_report(viewer, report) -> list[dict]:
    return [
        finding_brief(f)
        for f in findings_visible(viewer)
        .filter(report_id=report.pk)
        .select_related("person", "unit")
        .order_by("occurred_at", "pk")
    ]


# ---- statistics and metrics (R-AFTER-4, issue 15 item 6) -----------------------------------------
# Aggregated in the database (counts and sums of durations grouped by person, unit, category and
# month), folded into colleges here: a year of a large school is tens of thousands of rows.
NIGHT_FROM, NIGHT_TO = 22, 7  # 22:00–07:00: a night-time interruption
DURATION = DurationField()


def _mean_minutes(total, count):
    if not count or total is None:
        return None
    seconds = total.total_seconds() if hasattr(total, "total_seconds") else total / 1e6
    return round(seconds / 60 / count, 1)


def _college_code(path):
    parts = [c for c in path.split("/") if c]
    return parts[1] if len(parts) > 1 else parts[0]


def _gap(later, earlier):
    return ExpressionWrapper(F(later) - F(earlier), output_field=DURATION)


def _text(field):
    """A datetime column as SQLite stores it (UTC text): parsed here with fromisoformat, far
    cheaper than the backend's converter for each of tens of thousands of rows."""
    return Cast(field, output_field=CharField())


def _utc(text):
    return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC)


def _recipient_rows(recipients):
    """Per person: (username, full name, received, night, acknowledged, total time to
    acknowledge, missed). PostgreSQL aggregates; SQLite folds plain columns (its per-row hour
    and interval functions run in Python, slower than this loop)."""
    acked = Q(purpose=Recipient.Purpose.ACK, acked_at__isnull=False)
    if connection.vendor == "postgresql":
        for row in (
            recipients.alias(added_hour=ExtractHour("added_at"))
            .values("person_id", "person__username", "person__full_name")
            .order_by()
            .annotate(
                received=Count("pk"),
                night=Count(
                    "pk", filter=Q(added_hour__gte=NIGHT_FROM) | Q(added_hour__lt=NIGHT_TO)
                ),
                ack_n=Count("pk", filter=acked),
                ack_sum=Sum(_gap("acked_at", "added_at"), filter=acked),
                missed=Count("pk", filter=Q(missed_at__isnull=False)),
            )
        ):
            yield (
                row["person_id"],
                row["person__username"],
                row["person__full_name"],
                row["received"],
                row["night"],
                row["ack_n"],
                row["ack_sum"],
                row["missed"],
            )
        return
    tz = timezone.get_current_timezone()
    people: dict[int, list] = {}
    for person_id, added_text, acked_text, missed, purpose in recipients.order_by().values_list(
        "person_id", _text("added_at"), _text("acked_at"), "missed_at", "purpose"
    ):
        row = people.setdefault(person_id, [0, 0, 0, 0.0, 0])
        added_at = _utc(added_text)
        hour = added_at.astimezone(tz).hour
        row[0] += 1
        row[1] += hour >= NIGHT_FROM or hour < NIGHT_TO
        if purpose == Recipient.Purpose.ACK and acked_text is not None:
            row[2] += 1
            row[3] += (_utc(acked_text) - added_at).total_seconds()
        row[4] += missed is not None
    names = {
        pk: (u, n)
        for pk, u, n in User.objects.filter(pk__in=list(people)).values_list(
            "pk", "username", "full_name"
        )
    }
    for pk, (received, night, ack_n, seconds, missed) in people.items():
        username, full_name = names[pk]
        yield (
            pk,
            username,
            full_name,
            received,
            night,
            ack_n,
            datetime.timedelta(seconds=seconds) if ack_n else None,
            missed,
        )


def _report_groups(reports):
    """(unit path, category name, local month "YYYY-MM", reports, acknowledged, total time to
    acknowledge) per group. PostgreSQL groups in the database; SQLite would truncate each row's
    month in a Python function, slower than folding four plain columns here."""
    has_ack = Q(acknowledged_at__isnull=False)
    if connection.vendor == "postgresql":
        for g in (
            reports.annotate(month=TruncMonth("filed_at"))
            .values("unit__path", "category__name", "month")
            .annotate(
                n=Count("pk"),
                ack_n=Count("pk", filter=has_ack),
                ack_sum=Sum(_gap("acknowledged_at", "filed_at"), filter=has_ack),
            )
        ):
            yield (
                g["unit__path"],
                g["category__name"],
                g["month"].strftime("%Y-%m"),
                g["n"],
                g["ack_n"],
                g["ack_sum"],
            )
        return
    tz = timezone.get_current_timezone()
    rows = list(
        reports.values_list("unit_id", "category_id", _text("filed_at"), _text("acknowledged_at"))
    )
    unit_paths = dict(Unit.objects.filter(pk__in={r[0] for r in rows}).values_list("pk", "path"))
    category_names = dict(Category.objects.values_list("pk", "name"))
    folded: dict[tuple, list] = {}
    for unit_id, category_id, filed_text, acknowledged_text in rows:
        filed_at = _utc(filed_text)
        local = filed_at.astimezone(tz)
        bucket = folded.setdefault(
            (unit_id, category_id, f"{local.year}-{local.month:02d}"), [0, 0, 0.0]
        )
        bucket[0] += 1
        if acknowledged_text is not None:
            bucket[1] += 1
            bucket[2] += (_utc(acknowledged_text) - filed_at).total_seconds()
    for (unit_id, category_id, month), (n, ack_n, seconds) in folded.items():
        yield (
            unit_paths[unit_id],
            category_names.get(category_id, ""),
            month,
            n,
            ack_n,
            datetime.timedelta(seconds=seconds) if ack_n else None,
        )


def statistics(viewer, *, since, until) -> dict:
    """The statistics page: per person and per unit in [since, until) — findings by kind, mean
    minutes to acknowledge and to arrive, each person's load (reports received, night
    interruptions) — and the metrics per unit (college), category and month (means, minutes).
    A counsellor sees their own line; a college head their college; the offices the school."""
    kinds = list(Finding.Kind.values)
    wide = sees_unit_findings(viewer) or can_decide(viewer) or scope_for(viewer).everything
    me = getattr(viewer, "pk", None)
    reports = reports_visible(viewer).filter(filed_at__gte=since, filed_at__lt=until).order_by()
    people: dict[int, dict] = {}

    def person_row(pk, name):
        row = people.get(pk)
        if row is None:
            row = people[pk] = {
                "person_id": pk,
                "name": name,
                "received": 0,
                "night": 0,
                "ack_n": 0,
                "ack_sum": None,
                "arrive_n": 0,
                "arrive_sum": None,
                "missed": 0,
                "kinds": dict.fromkeys(kinds, 0),
            }
        return row

    recipients = Recipient.objects.filter(report_id__in=reports.values("pk"))
    if not wide:
        recipients = recipients.filter(person_id=me)
    for pk, username, full_name, received, night, ack_n, ack_sum, missed in _recipient_rows(
        recipients
    ):
        person_row(pk, full_name or username).update(
            received=received, night=night, ack_n=ack_n, ack_sum=ack_sum, missed=missed
        )
    incidents = (
        incidents_visible(viewer).filter(activated_at__gte=since, activated_at__lt=until).order_by()
    )
    arrivals = Arrival.objects.filter(incident__in=incidents.values("pk"))
    if not wide:
        arrivals = arrivals.filter(person_id=me)
    for pk, username, full_name, n, total in (
        arrivals.values("person_id", "person__username", "person__full_name")
        .order_by()
        .annotate(n=Count("pk"), total=Sum(_gap("at", "incident__activated_at")))
        .values_list("person_id", "person__username", "person__full_name", "n", "total")
    ):
        person_row(pk, full_name or username).update(arrive_n=n, arrive_sum=total)
    findings = finding_list(viewer, since=since, until=until).order_by()
    if not wide:
        findings = findings.filter(person_id=me)
    unit_kinds: dict[str, dict] = {}
    for kind, pk, username, full_name, n in (
        findings.values("kind", "person_id", "person__username", "person__full_name")
        .annotate(n=Count("pk"))
        .values_list("kind", "person_id", "person__username", "person__full_name", "n")
    ):
        if pk:
            person_row(pk, full_name or username)["kinds"][kind] += n
    for kind, path, n in (
        findings.values("kind", "unit__path")
        .annotate(n=Count("pk"))
        .values_list("kind", "unit__path", "n")
    ):
        unit_kinds.setdefault(_college_code(path), dict.fromkeys(kinds, 0))[kind] += n
    person_list = sorted(people.values(), key=lambda r: (-r["received"], r["name"]))
    for person in person_list:
        person["ack_mean"] = _mean_minutes(person.pop("ack_sum"), person.pop("ack_n"))
        person["arrive_mean"] = _mean_minutes(person.pop("arrive_sum"), person.pop("arrive_n"))
    # Metrics per unit (college), category and month: sums and counts, then means.
    groups: dict[str, dict] = {"unit": {}, "category": {}, "month": {}}

    def add(dimension, key, **values):
        bucket = groups[dimension].setdefault(
            key,
            {
                "reports": 0,
                "incidents": 0,
                "ack_n": 0,
                "ack_sum": None,
                "scene_n": 0,
                "scene_sum": None,
                "close_n": 0,
                "close_sum": None,
            },
        )
        for name, value in values.items():
            if value is not None:
                bucket[name] = value if bucket[name] is None else bucket[name] + value

    report_count = 0
    for unit_path, category, month, n, ack_n, ack_sum in _report_groups(reports):
        report_count += n
        for dimension, key in (
            ("unit", _college_code(unit_path)),
            ("category", category),
            ("month", month),
        ):
            add(dimension, key, reports=n, ack_n=ack_n, ack_sum=ack_sum)
    first_on_scene = Arrival.objects.filter(incident=OuterRef("pk")).order_by("at").values("at")[:1]
    incident_count = 0
    for path, title, activated_at, closed_at, first in incidents.annotate(
        first=Subquery(first_on_scene)
    ).values_list("unit__path", "plan_version__plan__title", "activated_at", "closed_at", "first"):
        incident_count += 1
        month = timezone.localtime(activated_at).strftime("%Y-%m")
        scene = first - activated_at if first else None
        close = closed_at - activated_at if closed_at else None
        for dimension, key in (
            ("unit", _college_code(path)),
            ("category", title),
            ("month", month),
        ):
            add(
                dimension,
                key,
                incidents=1,
                scene_n=1 if scene else 0,
                scene_sum=scene,
                close_n=1 if close else 0,
                close_sum=close,
            )
    codes = set(groups["unit"]) | set(unit_kinds)
    names = dict(Unit.objects.filter(code__in=codes).values_list("code", "name"))
    metrics = {}
    for dimension, buckets in groups.items():
        metrics[dimension] = [
            {
                "key": names.get(key, key) if dimension == "unit" else key,
                "reports": b["reports"],
                "incidents": b["incidents"],
                "ack": _mean_minutes(b["ack_sum"], b["ack_n"]),
                "scene": _mean_minutes(b["scene_sum"], b["scene_n"]),
                "close": _mean_minutes(b["close_sum"], b["close_n"]),
            }
            for key, b in sorted(buckets.items())
        ]
    units = [
        {"unit": names.get(code, code), "kinds": k, "total": sum(k.values())}
        for code, k in sorted(unit_kinds.items())
    ]
    return {
        "people": person_list,
        "units": units,
        "metrics": metrics,
        "wide": wide,
        "report_count": report_count,
        "incident_count": incident_count,
        "kinds": [(k, str(label)) for k, label in Finding.Kind.choices],
    }


def review_facts(incident) -> dict:
    """The 复盘 review's pre-filled facts about accountability: every finding about the incident
    and its report, unscoped (the review is filled by the system and read under the incident's
    scope). In the shape aftermath's review expects: {"findings": [{kind, person, unit, state,
    summary, events}]}. Aftermath sits above this app, so it calls this (or registers it in its
    own hooks from its ready()); this app cannot import aftermath."""
    q = Q(incident_id=incident.pk)
    if incident.report_id:
        q |= Q(report_id=incident.report_id)
    return {
        "findings": [
            {
                "kind": str(f.get_kind_display()),
                "person": f.person.display_name if f.person else "",
                "unit": f.unit.name,
                "state": str(f.get_state_display()),
                "summary": f.summary,
                "events": list(f.evidence),
            }
            for f in Finding.objects.filter(q)
            .select_related("person", "unit")
            .order_by("occurred_at", "pk")
        ]
    }

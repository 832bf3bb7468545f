"""Every read of findings, scoped: a person sees the findings naming them; a college head and
the offices (rank ≥ SEES_UNIT_RANK, or the power to decide) the findings of the units in their
scope. The agreed names for the siblings: findings_for_incident, findings_for_report."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.incidents.models import Arrival
from shouwang.incidents.selectors import incidents_visible
from shouwang.org.models import Unit
from shouwang.org.scope import scope_for
from shouwang.reports.models import Recipient
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


def finding_list(viewer, *, kind: str = "", state: str = "", unit: str = "", since=None, until=None):
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
    return get_object_or_404(findings_visible(viewer).select_related(
        "person", "unit", "report__category", "incident", "explained_by", "decided_by"), pk=pk)


def finding_evidence(finding) -> list:
    """The timeline events the finding rests on, in order."""
    return list(Event.objects.filter(pk__in=finding.evidence).select_related("actor").order_by("seq"))


def finding_brief(finding) -> dict:
    """A finding as the siblings (aftermath's 责任界定, documents) show it."""
    return {
        "id": finding.pk, "kind": finding.kind, "kind_label": str(finding.get_kind_display()),
        "person": finding.person.display_name if finding.person_id else "",
        "person_id": finding.person_id, "unit": finding.unit.name, "unit_id": finding.unit_id,
        "state": finding.state, "state_label": str(finding.get_state_display()),
        "evidence": list(finding.evidence), "summary": finding.summary,
        "occurred_at": finding.occurred_at, "decision_reason": finding.decision_reason,
    }


def findings_for_incident(viewer, incident) -> list[dict]:
    """The findings about an incident and about the report it came from, as viewer may see them."""
    q = Q(incident_id=incident.pk)
    if incident.report_id:
        q |= Q(report_id=incident.report_id)
    return [finding_brief(f) for f in findings_visible(viewer).filter(q).select_related("person", "unit")
            .order_by("occurred_at", "pk")]


def findings_for_report(viewer, report) -> list[dict]:
    return [finding_brief(f) for f in findings_visible(viewer).filter(report_id=report.pk)
            .select_related("person", "unit").order_by("occurred_at", "pk")]


# ---- statistics and metrics (R-AFTER-4, issue 15 item 6) ------------------------------------------
NIGHT_FROM, NIGHT_TO = 22, 7  # 22:00–07:00: a night-time interruption


def _median(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    mid = len(values) // 2
    return round(values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2, 1)


def _minutes_between(start, end):
    return (end - start).total_seconds() / 60 if start and end else None


def _college_code(path):
    parts = [c for c in path.split("/") if c]
    return parts[1] if len(parts) > 1 else parts[0]


def statistics(viewer, *, since, until) -> dict:
    """The statistics page: per person and per unit in [since, until) — findings by kind, times
    to acknowledge and to arrive, each person's load (reports received, night interruptions) —
    and the incident metrics per unit, category and month (medians, in minutes). A counsellor
    sees their own line; a college head their college; the offices the school."""
    wide = sees_unit_findings(viewer) or can_decide(viewer) or scope_for(viewer).everything
    me = getattr(viewer, "pk", None)
    reports = reports_visible(viewer).filter(filed_at__gte=since, filed_at__lt=until).order_by()
    report_rows = list(reports.values_list("pk", "unit__path", "category__name", "filed_at", "acknowledged_at",
                                           "closed_at"))
    report_ids = [r[0] for r in report_rows]
    recipients = Recipient.objects.filter(report_id__in=reports.values("pk"))
    if not wide:
        recipients = recipients.filter(person_id=me)
    people: dict[int, dict] = {}

    def person_row(pk, name):
        return people.setdefault(pk, {"person_id": pk, "name": name, "received": 0, "night": 0, "ack": [],
                                      "arrive": [], "missed": 0, "kinds": {k: 0 for k in Finding.Kind.values}})
    for pk, name, full, added_at, acked_at, missed_at, purpose in recipients.values_list(
            "person_id", "person__username", "person__full_name", "added_at", "acked_at", "missed_at", "purpose"):
        row = person_row(pk, full or name)
        row["received"] += 1
        hour = timezone.localtime(added_at).hour
        row["night"] += hour >= NIGHT_FROM or hour < NIGHT_TO
        if purpose == Recipient.Purpose.ACK:
            row["ack"].append(_minutes_between(added_at, acked_at))
            row["missed"] += missed_at is not None
    incidents = incidents_visible(viewer).filter(activated_at__gte=since, activated_at__lt=until).order_by()
    incident_rows = list(incidents.values_list("pk", "unit__path", "plan_version__plan__title", "activated_at",
                                               "closed_at"))
    arrivals = Arrival.objects.filter(incident_id__in=[i[0] for i in incident_rows]).order_by("at")
    if not wide:
        arrivals = arrivals.filter(person_id=me)
    first_arrival: dict[int, object] = {}
    activated = {i[0]: i[3] for i in incident_rows}
    for incident_id, pk, name, full, at in arrivals.values_list("incident_id", "person_id", "person__username",
                                                                "person__full_name", "at"):
        first_arrival.setdefault(incident_id, at)
        person_row(pk, full or name)["arrive"].append(_minutes_between(activated[incident_id], at))
    findings = finding_list(viewer, since=since, until=until)
    if not wide:
        findings = findings.filter(person_id=me)
    unit_kinds: dict[str, dict] = {}
    for kind, pk, name, full, unit_path in findings.values_list("kind", "person_id", "person__username",
                                                                "person__full_name", "unit__path"):
        if pk:
            person_row(pk, full or name)["kinds"][kind] += 1
        unit_kinds.setdefault(_college_code(unit_path), {k: 0 for k in Finding.Kind.values})[kind] += 1
    person_list = sorted(people.values(), key=lambda r: (-r["received"], r["name"]))
    for row in person_list:
        row["ack_median"], row["arrive_median"] = _median(row.pop("ack")), _median(row.pop("arrive"))
    # Metrics per unit (college), category and month.
    groups: dict[str, dict] = {"unit": {}, "category": {}, "month": {}}

    def add(dimension, key, metric, value):
        bucket = groups[dimension].setdefault(key, {"ack": [], "scene": [], "close": [], "reports": 0,
                                                    "incidents": 0})
        if metric in ("reports", "incidents"):
            bucket[metric] += 1
        else:
            bucket[metric].append(value)
    for _pk, path, category, filed_at, acked_at, _closed_at in report_rows:
        month = timezone.localtime(filed_at).strftime("%Y-%m")
        for dimension, key in (("unit", _college_code(path)), ("category", category), ("month", month)):
            add(dimension, key, "reports", None)
            add(dimension, key, "ack", _minutes_between(filed_at, acked_at))
    for pk, path, category, activated_at, closed_at in incident_rows:
        month = timezone.localtime(activated_at).strftime("%Y-%m")
        for dimension, key in (("unit", _college_code(path)), ("category", category), ("month", month)):
            add(dimension, key, "incidents", None)
            add(dimension, key, "scene", _minutes_between(activated_at, first_arrival.get(pk)))
            add(dimension, key, "close", _minutes_between(activated_at, closed_at))
    codes = set(groups["unit"]) | set(unit_kinds)
    names = dict(Unit.objects.filter(code__in=codes).values_list("code", "name"))
    metrics = {}
    for dimension, buckets in groups.items():
        metrics[dimension] = [
            {"key": names.get(key, key) if dimension == "unit" else key, "reports": b["reports"],
             "incidents": b["incidents"], "ack": _median(b["ack"]), "scene": _median(b["scene"]),
             "close": _median(b["close"])}
            for key, b in sorted(buckets.items())]
    units = [{"unit": names.get(code, code), "kinds": kinds, "total": sum(kinds.values())}
             for code, kinds in sorted(unit_kinds.items())]
    return {"people": person_list, "units": units, "metrics": metrics, "wide": wide,
            "report_count": len(report_ids), "incident_count": len(incident_rows),
            "kinds": [(k, str(label)) for k, label in Finding.Kind.choices]}

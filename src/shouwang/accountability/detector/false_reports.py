"""虚报/谎报: verified false, or a fact changed materially after it was verified true."""

import re
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.incidents.models import SituationUpdate
from shouwang.reports.models import Report, ReportUpdate

from ..models import Finding
from .common import MATERIAL_MIN, MATERIAL_SHARE, MATERIAL_TIME_SHIFT, REPORT, Proposal, _minutes


def _material(before, after) -> bool:
    if before is None or after is None:
        return False
    diff = abs(after - before)
    return diff >= MATERIAL_MIN and diff >= MATERIAL_SHARE * max(before, 1)


def _place_key(place) -> str:
    """A place as compared: whitespace (full-width too) and letter case do not count."""
    return re.sub(r"\s+", "", place or "").casefold()


def _time_moved(before, after) -> bool:
    return before is not None and after is not None and abs(after - before) > MATERIAL_TIME_SHIFT


def _place_changed(before, after) -> bool:
    return bool(_place_key(after)) and _place_key(after) != _place_key(before)


def false_reports(reports) -> list[Proposal]:
    out = []
    by_pk = {r.pk: r for r in reports}
    for r in reports:
        if r.verification == Report.Verification.FALSE and r.reporter_id:
            out.append(
                Proposal(
                    kind=Finding.Kind.FALSE_REPORT,
                    subject_type=REPORT,
                    subject_id=str(r.pk),
                    person_id=r.reporter_id,
                    unit_id=r.unit_id,
                    occurred_at=r.filed_at,
                    report_id=r.pk,
                    detail="verified_false",
                    summary=f"#{r.pk} {r.category.name}：经核实为不实信息",
                    verbs=("report.filed", "report.verified"),
                )
            )
    candidates = [
        r for r in reports if r.verification == Report.Verification.TRUE and r.reporter_id
    ]
    if not candidates:
        return out
    ids = [r.pk for r in candidates]
    verified_at = dict(
        Event.objects.filter(
            subject_type=REPORT,
            subject_id__in=[str(i) for i in ids],
            verb="report.verified",
            data__verdict="true",
        )
        .order_by("seq")
        .values_list("subject_id", "at")
    )
    # {report: {field: (later value, source)}} — the first material change of each fact.
    changed: dict[int, dict] = defaultdict(dict)
    for u in (
        ReportUpdate.objects.filter(report_id__in=ids)
        .filter(Q(people_count__isnull=False) | Q(occurred_at__isnull=False) | ~Q(place=""))
        .order_by("at", "pk")
    ):
        r = by_pk[u.report_id]
        at = verified_at.get(str(r.pk))
        if not at or u.at < at:
            continue
        found = changed[r.pk]
        if "people_count" not in found and _material(r.people_count, u.people_count):
            found["people_count"] = (u.people_count, "report_update")
        if "occurred_at" not in found and _time_moved(r.occurred_at, u.occurred_at):
            found["occurred_at"] = (u.occurred_at, "report_update")
        if "place" not in found and _place_changed(r.place, u.place):
            found["place"] = (u.place, "report_update")
    situations = (
        SituationUpdate.objects.filter(incident__report_id__in=ids)
        .filter(Q(people_involved__isnull=False) | ~Q(place=""))
        .order_by("at", "pk")
        .values_list("incident__report_id", "people_involved", "place")
    )
    for report_id, count, place in situations:
        r, found = by_pk[report_id], changed[report_id]
        if "people_count" not in found and _material(r.people_count, count):
            found["people_count"] = (count, "situation")
        if "place" not in found and _place_changed(r.place, place):
            found["place"] = (place, "situation")
    for report_id, found in changed.items():
        if not found:
            continue
        r = by_pk[report_id]
        parts, facts = [], {}
        if "people_count" in found:
            count, source = found["people_count"]
            parts.append(f"上报人数 {r.people_count}，核实后更正为 {count}")
            facts.update({"reported": r.people_count, "later": count, "source": source})
        if "occurred_at" in found:
            later, source = found["occurred_at"]
            parts.append(
                f"上报发生时间 {timezone.localtime(r.occurred_at):%m-%d %H:%M}，"
                f"核实后更正为 {timezone.localtime(later):%m-%d %H:%M}"
            )
            facts["occurred_at"] = {
                "reported": r.occurred_at.isoformat(),
                "later": later.isoformat(),
                "shift_minutes": _minutes(abs(later - r.occurred_at)),
                "source": source,
            }
        if "place" in found:
            later, source = found["place"]
            parts.append(f"上报地点「{r.place}」，核实后更正为「{later}」")
            facts["place"] = {"reported": r.place, "later": later, "source": source}
        facts["changed"] = [
            name for name in ("people_count", "occurred_at", "place") if name in found
        ]
        out.append(
            Proposal(
                kind=Finding.Kind.FALSE_REPORT,
                subject_type=REPORT,
                subject_id=str(r.pk),
                person_id=r.reporter_id,
                unit_id=r.unit_id,
                occurred_at=r.filed_at,
                report_id=r.pk,
                detail="materially_changed",
                summary=f"#{r.pk} {r.category.name}：" + "；".join(parts),
                facts=facts,
                verbs=("report.filed", "report.verified", "report.updated"),
            )
        )
    return out

"""The detector: findings read from the record, never typed in (R-AFTER-4). Each rule reads
what reports, the route, the engine and incidents wrote, and proposes findings keyed by (kind,
subject, person); `detect` stores those not yet stored, with a `finding.detected` event each,
in one transaction. Run by the worker (`detector_sweep`), by 学生处's button and by
`shouwang detect-accountability`; a rerun finds the same keys and writes nothing.

The rules (the page shows them in words too):
- 迟报: filed more than the limit (ReportingLimit, category × severity) after it occurred.
- 漏报: the school heard of it from above or outside — a person outside the unit's chain filed
  it (an office, a leader, relaying police or parents), or it is a 舆情 category — and no one in
  the unit's chain had filed a report of that category about the unit within 12 hours before;
  against the holders, on the day it occurred, of the route's posts in the unit's chain.
- 瞒报: closed or handled locally while the route never reached the level the severity
  requires (ReportingLimit.required_at; the frozen route and its recipients say what was
  reached). Not when the decision was made at that level or above (the office approved it).
  A downgrade (report.severity_changed) the office did not approve does not lower the level
  required: such a downgrade is 瞒报 too once the route has stopped short of it (acknowledged
  below it, or exhausted). An approved downgrade (学生处, the school's leaders) does.
- 虚报/谎报: verified false; or, after it was verified true, an update or the incident's
  situation changed a fact materially: the number of people (by half and at least 2), the
  time it happened (by more than MATERIAL_TIME_SHIFT) or the place (whitespace and case
  aside).
- 未及时到位: a person asked to acknowledge missed the deadline (the engine's
  Recipient.missed_at), or the owner of an on-scene step of a plan (step ids ending in
  `_on_scene` / `_to_scene`) arrived after its due time, or not at all once it was due.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.audit.services import batched_events, event_record, rows_insert
from shouwang.escalation.levels import SEVERITY_ORDER, Severity
from shouwang.incidents.models import Arrival, Incident, SituationUpdate, Task
from shouwang.org.models import Post, Unit
from shouwang.reports.models import Category, Recipient, Report, ReportUpdate

from .models import Finding, ReportingLimit

REPORT = "reports.report"
INCIDENT = "incidents.incident"
WINDOW_DAYS = 90  # the worker looks at reports filed and incidents activated this recently
OUTSIDE_CATEGORIES = (
    "public_opinion",
    "harmful_posting",
)  # the school learns of these from outside
CHAIN_KINDS = ("college", "grade", "class", "dorm_building", "dorm_room")
ON_SCENE_STEP = re.compile(r"(_on_scene|_to_scene)$")
SAME_EVENT_HOURS = 12
MATERIAL_SHARE, MATERIAL_MIN = 0.5, 2
# 虚报/谎报: a later update moving the time it happened by more than this is a material change.
MATERIAL_TIME_SHIFT = timedelta(hours=2)
LEVEL_NAMES = {
    "dorm_room": "宿舍",
    "class": "班级",
    "grade": "年级",
    "college": "学院",
    "office:student_affairs": "学生处",
    "school": "学校领导",
}
DETECTOR_LOCK = 15_4_2026  # the advisory lock key of a detector run (PostgreSQL)
FIELDS = (
    "pk",
    "category_id",
    "severity",
    "unit_id",
    "occurred_at",
    "filed_at",
    "reporter_id",
    "verification",
    "decision",
    "closed_at",
    "people_count",
    "acknowledged_by_id",
    "ack_state",
    "place",
)


@dataclass
class Proposal:
    kind: str
    subject_type: str
    subject_id: str
    person_id: int | None
    unit_id: int
    occurred_at: object
    summary: str
    detail: str = ""
    report_id: int | None = None
    incident_id: int | None = None
    facts: dict = field(default_factory=dict)
    verbs: tuple = ()  # the timeline verbs that are its evidence
    evidence_persons: bool = False  # only the deadline.missed events naming this person

    @property
    def key(self):
        return (self.kind, self.subject_type, self.subject_id, self.person_id or 0)


def _limits():
    rows = {(lim.category_id, lim.severity): lim for lim in ReportingLimit.objects.all()}

    def limit_for(category_id, severity):
        return rows.get((category_id, severity)) or rows.get((None, severity))

    return limit_for


def _minutes(delta) -> int:
    return int(delta.total_seconds() // 60)


# ---- 迟报 ----------------------------------------------------------------------------------------
def late_reports(reports, limit_for) -> list[Proposal]:
    out = []
    for r in reports:
        limit = limit_for(r.category_id, r.severity)
        if (
            limit is None
            or r.reporter_id is None
            or r.verification == Report.Verification.DUPLICATE
        ):
            continue
        gap = _minutes(r.filed_at - r.occurred_at)
        if gap > limit.minutes:
            out.append(
                Proposal(
                    kind=Finding.Kind.LATE_REPORT,
                    subject_type=REPORT,
                    subject_id=str(r.pk),
                    person_id=r.reporter_id,
                    unit_id=r.unit_id,
                    occurred_at=r.filed_at,
                    report_id=r.pk,
                    summary=(
                        f"#{r.pk} {r.category.name}：发生后 {gap} "
                        f"分钟才上报（时限 {limit.minutes} 分钟）"
                    ),
                    facts={"gap_minutes": gap, "limit_minutes": limit.minutes},
                    verbs=("report.filed",),
                )
            )
    return out


# ---- 瞒报 ----------------------------------------------------------------------------------------
def _level_index(route, at) -> int | None:
    return next((i for i, step in enumerate(route or []) if step.get("at") == at), None)


def _holds_level(posts, route, index) -> bool:
    """Does one of these posts sit at a level of the route at `index` or above?"""
    for step in (route or [])[index:]:
        at = step.get("at", "")
        for kind, function in posts:
            if (
                at.startswith("office:")
                and kind == Unit.Kind.OFFICE
                and function == at.split(":", 1)[1]
            ):
                return True
            if kind == at:
                return True
    return False


def _severity_changes(ids) -> dict[int, list[tuple]]:
    """{report: [(from, to, downgrade, approved, actor, at)]}, oldest first (定级调整)."""
    changes = defaultdict(list)
    for subject_id, data, actor_id, at in (
        Event.objects.filter(
            subject_type=REPORT,
            subject_id__in=[str(i) for i in ids],
            verb="report.severity_changed",
        )
        .order_by("seq")
        .values_list("subject_id", "data", "actor_id", "at")
    ):
        changes[int(subject_id)].append(
            (
                data.get("from"),
                data.get("to"),
                bool(data.get("downgrade")),
                bool(data.get("approved")),
                actor_id,
                at,
            )
        )
    return changes


def _more_severe(a, b):
    rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    return a if rank.get(a, -1) >= rank.get(b, -1) else b


def _binding_severity(r, changes) -> str:
    """The severity whose required level binds: the one filed with, or the one an approved
    downgrade set (the office's), or the current one when that is higher. A downgrade the
    office did not approve does not lower it."""
    binding = changes[0][0] if changes else r.severity
    for _before, after, downgrade, approved, _actor, _at in changes:
        if downgrade and approved:
            binding = after
        elif not downgrade:
            binding = _more_severe(binding, after)
    return _more_severe(binding, r.severity)


def concealments(reports, limit_for) -> list[Proposal]:
    """Closed or handled locally below the required level; or downgraded below it without the
    office's approval, once the route has stopped (acknowledged or exhausted) short of it."""
    rows = [r for r in reports if r.verification != Report.Verification.FALSE]
    changes = _severity_changes([r.pk for r in rows]) if rows else {}
    unapproved = {pk for pk, cs in changes.items() if any(c[2] and not c[3] for c in cs)}
    closing = [
        r
        for r in rows
        if r.closed_at
        or r.decision == Report.Decision.LOCAL
        or (r.pk in unapproved and r.ack_state != Report.AckState.WAITING)
    ]
    if not closing:
        return []
    _load_routes(closing)
    ids = [r.pk for r in closing]
    reached = defaultdict(lambda: -1)
    for report_id, step in Recipient.objects.filter(report_id__in=ids, step__gte=0).values_list(
        "report_id", "step"
    ):
        reached[report_id] = max(reached[report_id], step)
    deciders, decided_on = {}, {}
    for subject_id, actor_id, at in (
        Event.objects.filter(
            subject_type=REPORT,
            subject_id__in=[str(i) for i in ids],
            verb="report.decided",
            data__decision="local",
        )
        .order_by("seq")
        .values_list("subject_id", "actor_id", "at")
    ):
        deciders[int(subject_id)], decided_on[int(subject_id)] = actor_id, timezone.localdate(at)
    held = defaultdict(list)  # the deciders' posts, checked on the day they decided
    for person_id, kind, function, since, until in Post.objects.filter(
        person_id__in={p for p in deciders.values() if p}
    ).values_list("person_id", "unit__kind", "unit__function", "since", "until"):
        held[person_id].append((kind, function, since, until))
    out = []
    for r in closing:
        severity = _binding_severity(r, changes.get(r.pk, []))
        limit = limit_for(r.category_id, severity)
        required = _level_index(r.route, limit.required_at) if limit and limit.required_at else None
        if required is None or reached[r.pk] >= required:
            continue
        decider = deciders.get(r.pk)
        day = decided_on.get(r.pk)
        posts = (
            [
                (kind, function)
                for kind, function, since, until in held.get(decider, [])
                if since <= day and (until is None or until >= day)
            ]
            if decider
            else []
        )
        if decider and _holds_level(posts, r.route, required):
            continue  # decided at the required level or above: an approved downgrade
        downgraders = [c[4] for c in changes.get(r.pk, []) if c[2] and not c[3] and c[4]]
        if not (r.closed_at or r.decision == Report.Decision.LOCAL or downgraders):
            continue
        # Everyone who knew and whose part it was to take it up: who downgraded it, who decided,
        # who acknowledged, who filed it. Each explains; the office decides each.
        people = list(
            dict.fromkeys(
                p for p in (*downgraders, decider, r.acknowledged_by_id, r.reporter_id) if p
            )
        )
        if r.decision == Report.Decision.LOCAL:
            how = "就地处理"
        elif r.closed_at:
            how = "关闭"
        else:
            how = f"降为{_severity_label(r.severity)}"
        top = r.route[reached[r.pk]]["at"] if reached[r.pk] >= 0 else "—"
        for person in people or [None]:
            detail = (
                "downgraded"
                if person in downgraders
                else "decided"
                if person == decider
                else "knew"
            )
            out.append(
                Proposal(
                    kind=Finding.Kind.CONCEALED,
                    subject_type=REPORT,
                    subject_id=str(r.pk),
                    person_id=person,
                    unit_id=r.unit_id,
                    occurred_at=r.filed_at,
                    report_id=r.pk,
                    detail=detail,
                    summary=f"#{r.pk} {_severity_label(severity)} {r.category.name}：未报至"
                    f"{LEVEL_NAMES.get(limit.required_at, limit.required_at)}即{how}"
                    f"（最高报至{LEVEL_NAMES.get(top, top)}）",
                    facts={
                        "required_at": limit.required_at,
                        "required_step": required,
                        "reached_step": reached[r.pk],
                        "decision": r.decision,
                        "decided_by": decider,
                        "severity": severity,
                        **(
                            {"downgraded_by": downgraders, "downgraded_to": r.severity}
                            if downgraders
                            else {}
                        ),
                    },
                    verbs=(
                        "report.filed",
                        "route.planned",
                        "route.step_started",
                        "report.decided",
                        "report.acknowledged",
                        "report.severity_changed",
                    ),
                )
            )
    return out


def _severity_label(code) -> str:
    return str(Severity(code).label) if code in Severity.values else code


# ---- 虚报/谎报 -----------------------------------------------------------------------------------
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


# ---- 漏报 ----------------------------------------------------------------------------------------
def _chain_paths(path) -> list[str]:
    parts = [c for c in path.split("/") if c]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


def missed_reports(reports) -> list[Proposal]:
    reports = [r for r in reports if r.reporter_id and r.unit.kind in CHAIN_KINDS]
    if not reports:
        return []
    reporter_posts = _posts_of({r.reporter_id for r in reports}, reports)
    candidates = [
        r
        for r in reports
        if not _in_chain(reporter_posts, r.reporter_id, r)
        and (
            r.category.code in OUTSIDE_CATEGORIES
            or _outside_reporter(reporter_posts[r.reporter_id])
        )
    ]
    if not candidates:
        return []
    # The reports the chain could have filed about the same event: one query for all candidates.
    window = timedelta(hours=SAME_EVENT_HOURS)
    earlier = defaultdict(list)
    rows = list(
        Report.objects.filter(
            category_id__in={r.category_id for r in candidates},
            reporter__isnull=False,
            filed_at__lte=max(r.filed_at for r in candidates),
            occurred_at__gte=min(r.occurred_at for r in candidates) - window,
            occurred_at__lte=max(r.occurred_at for r in candidates) + window,
        )
        .order_by()
        .values_list("pk", "category_id", "filed_at", "occurred_at", "reporter_id", "unit__path")
    )
    for row in rows:
        earlier[row[1]].append(row)
    chain_posts = _posts_of({row[4] for row in rows}, candidates)
    found = []
    for r in candidates:
        # About the same unit (one contains the other), filed first, by someone in its chain.
        if not any(
            pk != r.pk
            and filed <= r.filed_at
            and abs(occurred - r.occurred_at) <= window
            and (path.startswith(r.unit.path) or r.unit.path.startswith(path))
            and _in_chain(chain_posts, reporter, r)
            for pk, _c, filed, occurred, reporter, path in earlier[r.category_id]
        ):
            found.append(r)
    _load_routes(found)
    responsible = _responsible(found)
    out = []
    for r in found:
        source = "舆情" if r.category.code in OUTSIDE_CATEGORIES else "上级或外部"
        for person_id in responsible.get(r.pk) or [None]:
            out.append(
                Proposal(
                    kind=Finding.Kind.MISSED_REPORT,
                    subject_type=REPORT,
                    subject_id=str(r.pk),
                    person_id=person_id,
                    unit_id=r.unit_id,
                    occurred_at=r.filed_at,
                    report_id=r.pk,
                    summary=(
                        f"#{r.pk} {r.category.name}：学校经{source}获知，{r.unit.name}责任人未报告"
                    ),
                    facts={"reporter": r.reporter_id},
                    verbs=("report.filed", "route.planned"),
                )
            )
    return out


def _posts_of(person_ids, reports):
    """{person: [(unit path, unit kind, since, until)]} for the days these reports occurred."""
    days = [_day(r) for r in reports]
    posts = defaultdict(list)
    for person_id, path, kind, since, until in (
        Post.objects.filter(person_id__in=person_ids, since__lte=max(days))
        .filter(Q(until__isnull=True) | Q(until__gte=min(days)))
        .values_list("person_id", "unit__path", "unit__kind", "since", "until")
    ):
        posts[person_id].append((path, kind, since, until))
    return posts


def _in_chain(posts, person_id, report) -> bool:
    """Did the person hold a post, on the day, in the chain of the report's unit?"""
    day, chain = _day(report), _chain_paths(report.unit.path)
    return any(
        kind in CHAIN_KINDS and path in chain and since <= day and (until is None or until >= day)
        for path, kind, since, until in posts.get(person_id, [])
    )


def _outside_reporter(posts) -> bool:
    """Filed by an office or a leader (school, office): the school heard of it from above."""
    return any(kind in (Unit.Kind.SCHOOL, Unit.Kind.OFFICE) for _p, kind, _s, _u in posts)


def _responsible(reports) -> dict[int, list[int]]:
    """Holders, on the day it occurred, of the route's posts in the unit's chain: the route's
    steps at chain levels (dorm room, class, grade, college) resolved at the unit's ancestors of
    that kind, most senior step last — posts for all the reports in one query."""
    codes, roles, days = set(), set(), []
    for r in reports:
        codes.update(c for c in r.unit.path.strip("/").split("/"))
        roles.update(role for s in r.route if s.get("at") in CHAIN_KINDS for role in s["roles"])
        days.append(_day(r))
    if not reports or not roles:
        return {}
    posts = defaultdict(list)  # unit code → [(person, role, unit kind, since, until)]
    for person_id, code, kind, role, since, until in (
        Post.objects.filter(
            unit__code__in=codes, role__code__in=roles, person__is_active=True, since__lte=max(days)
        )
        .filter(Q(until__isnull=True) | Q(until__gte=min(days)))
        .order_by("pk")
        .values_list("person_id", "unit__code", "unit__kind", "role__code", "since", "until")
    ):
        posts[code].append((person_id, role, kind, since, until))
    out = {}
    for r in reports:
        day, chain = _day(r), r.unit.path.strip("/").split("/")
        seen: list[int] = []
        for step in (s for s in r.route if s.get("at") in CHAIN_KINDS):
            for code in chain:
                for person_id, role, kind, since, until in posts.get(code, []):
                    if (
                        kind == step["at"]
                        and role in step["roles"]
                        and since <= day
                        and (until is None or until >= day)
                        and person_id != r.reporter_id
                        and person_id not in seen
                    ):
                        seen.append(person_id)
        out[r.pk] = seen
    return out


def _day(r):
    day = getattr(r, "day", None)
    if day is None:
        day = r.day = timezone.localdate(r.occurred_at)
    return day


# ---- 未及时到位 ----------------------------------------------------------------------------------
def ack_misses(report_ids, reports_by_pk) -> list[Proposal]:
    out = []
    rows = (
        Recipient.objects.filter(
            report_id__in=report_ids, missed_at__isnull=False, purpose=Recipient.Purpose.ACK
        )
        .order_by("missed_at")
        .values_list("report_id", "person_id", "missed_at", "step")
    )
    seen = set()
    for report_id, person_id, missed_at, step in rows:
        if (report_id, person_id) in seen:
            continue
        seen.add((report_id, person_id))
        r = reports_by_pk[report_id]
        out.append(
            Proposal(
                kind=Finding.Kind.LATE_ARRIVAL,
                subject_type=REPORT,
                subject_id=str(report_id),
                person_id=person_id,
                unit_id=r.unit_id,
                occurred_at=missed_at,
                report_id=report_id,
                detail="ack_missed",
                summary=f"#{report_id} {r.category.name}：未在时限内确认收到（第 {step + 1} 级）",
                facts={"step": step},
                verbs=("route.step_started", "deadline.missed"),
                evidence_persons=True,
            )
        )
    return out


def arrivals(incidents, now) -> list[Proposal]:
    ids = [i.pk for i in incidents]
    by_pk = {i.pk: i for i in incidents}
    arrived = {
        (a.incident_id, a.person_id): a.at for a in Arrival.objects.filter(incident_id__in=ids)
    }
    out, seen = [], set()
    for t in Task.objects.filter(incident_id__in=ids).order_by("due_at", "pk"):
        if not ON_SCENE_STEP.search(t.step_id) or (t.incident_id, t.assignee_id) in seen:
            continue
        at = arrived.get((t.incident_id, t.assignee_id))
        incident = by_pk[t.incident_id]
        if at is not None and at > t.due_at:
            detail, summary = (
                "arrival_late",
                f"{incident.title}：{_minutes(at - t.due_at)} 分钟后才到场（{t.title}）",
            )
        elif at is None and t.due_at <= now:
            detail, summary = "arrival_missing", f"{incident.title}：未到场（{t.title}）"
        else:
            continue
        seen.add((t.incident_id, t.assignee_id))
        out.append(
            Proposal(
                kind=Finding.Kind.LATE_ARRIVAL,
                subject_type=INCIDENT,
                subject_id=str(t.incident_id),
                person_id=t.assignee_id,
                unit_id=incident.unit_id,
                occurred_at=t.due_at,
                incident_id=t.incident_id,
                detail=detail,
                summary=summary[:300],
                facts={
                    "task": t.pk,
                    "step": t.step_id,
                    "due_at": t.due_at.isoformat(),
                    "arrived_at": at.isoformat() if at else None,
                },
                verbs=(
                    "incident.activated",
                    "incident.tasks_created",
                    "task.overdue",
                    "arrival.recorded",
                ),
            )
        )
    return out


# ---- running it ----------------------------------------------------------------------------------
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


def _load_routes(rows):
    missing = [r for r in rows if r.route is None]
    routes = (
        dict(Report.objects.filter(pk__in=[r.pk for r in missing]).values_list("pk", "route"))
        if missing
        else {}
    )
    for r in missing:
        r.route = routes.get(r.pk) or []


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

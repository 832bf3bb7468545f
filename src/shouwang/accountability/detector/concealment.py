"""瞒报: closed or handled locally short of the level the binding severity requires."""

from collections import defaultdict

from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.escalation.levels import SEVERITY_ORDER, Severity
from shouwang.org.models import Post, Unit
from shouwang.reports.models import Recipient, Report

from ..models import Finding
from .common import LEVEL_NAMES, REPORT, Proposal, _load_routes


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

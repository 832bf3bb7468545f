"""漏报: the school heard of it from above or outside, not from the unit's chain."""

from collections import defaultdict
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from shouwang.org.models import Post, Unit
from shouwang.reports.models import Report

from ..models import Finding
from .common import (
    CHAIN_KINDS,
    OUTSIDE_CATEGORIES,
    REPORT,
    SAME_EVENT_HOURS,
    Proposal,
    _load_routes,
)


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

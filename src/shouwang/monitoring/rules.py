"""The rules on the one deadline engine: each active rule has one open `monitoring_rule`
deadline, due at its next run (a night-absence rule at its cut-off, a 失联 rule every hour),
fenced with the rule's version so a deadline planned before an edit does nothing. The act scans,
files the reports (one per student × rule × period, deduplicated by AutoReport), and schedules
the next run, all in the transaction that claimed the deadline. A later present check-in
resolves a rule's open report on the record (`resolving.py`); it never deletes it."""

import datetime
from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record, rows_insert
from shouwang.escalation.models import Deadline
from shouwang.escalation.services import deadlines_cancel, deadlines_schedule
from shouwang.org.models import Student, Unit

from . import filing, hooks, nights
from .models import AutoReport, CheckIn, Rule, Trace

RULE_RUN = "monitoring_rule"
ZERO = datetime.timedelta(0)
SUBJECT = "monitoring.rule"
MISSING_EVERY = datetime.timedelta(hours=1)
DEFAULT_CUTOFF = datetime.time(22, 30)
DEFAULT_HOURS = 24
# A building where most residents have no check-in at the cut-off has lost its data (the gate
# export did not arrive, nobody did the 查寝), not half its students: ONE report about the
# building instead of hundreds about students (the false alarm counsellors learn to ignore),
# and one rescan an hour later that reports the students still absent once the data is in.
# The share is the rule's `hold_share` (data, 学生处 edits it; 0 never holds); a building with
# fewer than IMPLAUSIBLE_MIN unchecked is never held.
HOLD_SHARE = 50
IMPLAUSIBLE_MIN = 20
RESCAN_AFTER = datetime.timedelta(hours=1)

# The rules a new school starts with (the shipped night_absence policy routes the first).
DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "kind": Rule.Kind.NIGHT_ABSENCE,
        "name": "夜不归宿（22:30 查寝）",
        "category": "night_absence",
        "severity": "general",
        "cutoff": DEFAULT_CUTOFF,
        "hold_share": HOLD_SHARE,
    },
    {
        "kind": Rule.Kind.MISSING,
        "name": "学生失联（24 小时无任何痕迹）",
        "category": "missing_student",
        "severity": "larger",
        "hours": DEFAULT_HOURS,
    },
]


def next_run(rule: Rule, after: datetime.datetime) -> datetime.datetime:
    if rule.kind == Rule.Kind.NIGHT_ABSENCE:
        return nights.next_cutoff(rule.cutoff, after)[1]
    return after + MISSING_EVERY


def run_subject(rule: Rule, due_at: datetime.datetime) -> str:
    """One deadline per run: "rule pk@local due time" (the engine keeps one row per subject, kind
    and fence, done rows included)."""
    return f"{rule.pk}@{timezone.localtime(due_at):%Y-%m-%dT%H:%M}"


def _plan(rule: Rule, due_at, now) -> None:
    deadlines_schedule(
        deadlines=[
            {
                "kind": RULE_RUN,
                "subject_type": SUBJECT,
                "subject_id": run_subject(rule, due_at),
                "fence": rule.version,
                "due_at": due_at,
            }
        ],
        now=now,
    )


def open_runs(rule_id=None):
    rows = Deadline.objects.filter(kind=RULE_RUN, subject_type=SUBJECT, state=Deadline.State.OPEN)
    if rule_id is not None:
        rows = rows.filter(subject_id__startswith=f"{rule_id}@")
    return rows


def rule_schedule(rule: Rule, *, now) -> None:
    """Cancel the rule's open run and plan the next (none for an inactive rule). In the caller's
    transaction."""
    for subject_id in open_runs(rule.pk).values_list("subject_id", flat=True):
        deadlines_cancel(
            subject_type=SUBJECT,
            subject_id=subject_id,
            now=now,
            outcome="replanned",
            kinds_in=[RULE_RUN],
        )
    if rule.is_active:
        _plan(rule, next_run(rule, now), now)


def lock_rule(subject_id):
    # No default ordering here: it joins the building, and FOR UPDATE refuses an outer join.
    pk = int(subject_id.split("@")[0])
    return Rule.objects.select_for_update().filter(pk=pk).order_by("pk").first()


def act(deadline, rule: Rule, now) -> str:
    """The worker's run of one rule, in the claiming transaction."""
    # A night rule's run due at other than its cut-off is the rescan of a held building.
    rescan = (
        rule.kind == Rule.Kind.NIGHT_ABSENCE
        and timezone.localtime(deadline.due_at).time() != rule.cutoff
    )
    if deadline.fence != rule.version or not rule.is_active:
        event_record(
            actor=None,
            subject=rule,
            verb="monitoring.rule_run_skipped",
            at=now,
            data={"fence": deadline.fence, "version": rule.version, "active": rule.is_active},
        )
        return "superseded"
    try:
        # A savepoint: a rule whose category was since deactivated (filing refuses it) must not
        # stop the sweep every tick; the refusal is recorded and the next run still planned.
        with transaction.atomic(), translation.override("zh-hans"):
            if rule.kind == Rule.Kind.NIGHT_ABSENCE:
                filed = scan_night(
                    rule,
                    night=nights.night_of(deadline.due_at - (RESCAN_AFTER if rescan else ZERO)),
                    now=now,
                    rescan=rescan,
                )
            else:
                filed = scan_missing(rule, at=deadline.due_at, now=now)
        outcome = f"filed:{filed}"
    except (ValidationError, ValueError) as exc:
        event_record(
            actor=None,
            subject=rule,
            verb="monitoring.rule_run_refused",
            at=now,
            data={"errors": getattr(exc, "messages", [str(exc)])[:10]},
        )
        outcome = "refused"
    # The next run after this one's due time: a worker that was down catches up night by night
    # (a 失联 rule, which looks back over hours, runs once more now rather than hour by hour).
    if not rescan:  # the run at the cut-off planned the next night's already
        due = next_run(rule, deadline.due_at)
        _plan(rule, max(due, now) if rule.kind == Rule.Kind.MISSING else due, now)
    return outcome


def _buildings(rule: Rule):
    if rule.building_id:
        return [rule.building_id]
    own = Rule.objects.filter(kind=rule.kind, is_active=True, building__isnull=False).values_list(
        "building_id", flat=True
    )
    return list(
        Unit.objects.filter(kind=Unit.Kind.DORM_BUILDING, is_active=True)
        .exclude(pk__in=list(own))
        .values_list("pk", flat=True)
    )


def _file(rule: Rule, period, students: list[tuple], now, describe) -> int:
    """students: [(pk, student_no, name, unit code, place)]; files one report each and the
    AutoReport rows, with ONE event on the rule."""
    items = [
        {
            "key": f"monitoring:{rule.pk}:{pk}:{period.isoformat()}",
            "category": rule.category,
            "severity": rule.severity,
            "unit": unit,
            "students": [student_no],
            "occurred_at": occurred,
            "place": place,
            "description": describe(name, student_no, place),
        }
        for pk, student_no, name, unit, place, occurred in students
    ]
    reports = filing.file_reports(items=items, now=now)
    rows_insert(
        AutoReport,
        [
            {
                "rule_id": rule.pk,
                "student_id": s[0],
                "period": period,
                "report_id": report.pk,
                "filed_at": now,
            }
            for s, report in zip(students, reports, strict=True)
        ],
    )
    return len(reports)


def scan_night(rule: Rule, *, night: datetime.date, now, rescan: bool = False) -> int:
    """At a building's cut-off: every resident without a present check-in that night, not
    excused (leave, approved off-campus lodging) and not reported yet → one report each. A
    building with more than the rule's `hold_share` unchecked is held: one report on
    the building and a rescan; the rescan files its students if the data came in meanwhile
    (and resolves the building's report), or leaves the building's report standing."""
    cutoff = nights.cutoff_at(night, rule.cutoff)
    residents = (
        Student.objects.filter(
            status=Student.Status.ENROLLED, dorm_room__parent_id__in=_buildings(rule)
        )
        .annotate(
            present=Exists(
                CheckIn.objects.filter(
                    student=OuterRef("pk"), night=night, status=CheckIn.Status.PRESENT
                )
            ),
            reported=Exists(
                AutoReport.objects.filter(student=OuterRef("pk"), rule=rule, period=night)
            ),
        )
        .filter(present=False, reported=False)
        .order_by("klass_id", "student_no")
        .values_list(
            "pk",
            "student_no",
            "name",
            "dorm_room__code",
            "dorm_room__name",
            "dorm_room__parent__name",
            "dorm_room__parent_id",
        )
    )
    candidates = list(residents)
    excused = hooks.excused([c[0] for c in candidates], cutoff, nights.morning_after(night))
    held = _implausible(rule, Counter(c[-1] for c in candidates if c[0] not in excused))
    time = timezone.localtime(cutoff).strftime("%H:%M")
    if held and not rescan:
        _hold(rule, night, held, cutoff, now)
    elif rescan:
        _release(rule, night, held, now)
    absent = [
        (pk, no, name, room, f"{building}{room_name}", cutoff)
        for pk, no, name, room, room_name, building, building_id in candidates
        if pk not in excused and building_id not in held
    ]
    filed = _file(
        rule,
        night,
        absent,
        now,
        lambda name, no, place: (
            _("%(name)s (%(no)s) had not checked in at %(place)s by %(time)s.")
            % {"name": name, "no": no, "place": place, "time": time}
        ),
    )
    event_record(
        actor=None,
        subject=rule,
        verb="monitoring.night_scanned",
        at=now,
        data={
            "night": night.isoformat(),
            "cutoff": cutoff.isoformat(),
            "unchecked": len(candidates),
            "excused": len(excused),
            "filed": filed,
            "held": {str(b): n for b, (n, _total) in held.items()},
            "rescan": rescan,
        },
    )
    return filed


def _implausible(rule: Rule, absent: Counter) -> dict[int, tuple[int, int]]:
    """{building pk: (absent, residents)} for the buildings whose absent share is over the
    rule's; `absent`: {building pk: students absent and not excused}."""
    many = [b for b, n in absent.items() if n >= IMPLAUSIBLE_MIN]
    if not many or not rule.hold_share:
        return {}
    residents = dict(
        Student.objects.filter(status=Student.Status.ENROLLED, dorm_room__parent_id__in=many)
        .values("dorm_room__parent_id")
        .annotate(n=Count("pk"))
        .values_list("dorm_room__parent_id", "n")
    )
    return {
        b: (absent[b], residents.get(b, 0))
        for b in many
        if absent[b] * 100 > rule.hold_share * residents.get(b, 0)
    }


def _building_key(rule: Rule, building_id: int, night) -> str:
    return f"monitoring:{rule.pk}:building:{building_id}:{night.isoformat()}"


def _hold(rule: Rule, night, held: dict[int, tuple[int, int]], cutoff, now) -> None:
    """One report per held building (routed like the rule's others, to the building's people
    and up) and the rule's rescan an hour later."""
    buildings = {u.pk: u for u in Unit.objects.filter(pk__in=list(held))}
    time = timezone.localtime(cutoff).strftime("%H:%M")
    rescan_at = timezone.localtime(cutoff + RESCAN_AFTER).strftime("%H:%M")
    filing.file_reports(
        items=[
            {
                "key": _building_key(rule, b, night),
                "category": rule.category,
                "severity": rule.severity,
                "unit": buildings[b].code,
                "students": [],
                "occurred_at": cutoff,
                "place": buildings[b].name,
                "description": _(
                    "%(building)s: %(absent)d of %(residents)d residents had no check-in by "
                    "%(time)s, which looks like missing data (the gate export or the 查寝), not "
                    "absent students. Check the building. At %(rescan)s the rule looks again "
                    "and reports each student still without a check-in."
                )
                % {
                    "building": buildings[b].name,
                    "absent": absent,
                    "residents": residents,
                    "time": time,
                    "rescan": rescan_at,
                },
            }
            for b, (absent, residents) in sorted(held.items())
        ],
        now=now,
    )
    rescan_due = cutoff + RESCAN_AFTER
    planned = Deadline.objects.filter(
        kind=RULE_RUN,
        subject_type=SUBJECT,
        subject_id=run_subject(rule, rescan_due),
        fence=rule.version,
    )
    if not planned.exists():  # a second scan of the night (by hand) plans it once
        _plan(rule, rescan_due, now)


def _release(rule: Rule, night, held: dict, now) -> None:
    """At the rescan: the building reports of buildings no longer held (their data came in)
    are resolved on the record; this scan reports their students one by one."""
    keys = {_building_key(rule, b, night): b for b in _buildings(rule)}
    for key, report_id in filing.unresolved(keys).items():
        if keys[key] not in held:
            note = _("The check-ins came in; the students still absent are reported one by one.")
            filing.resolve_report(report_id=report_id, note=note, now=now)


def scan_missing(rule: Rule, *, at: datetime.datetime, now) -> int:
    """失联: students whose last trace of any source is older than the rule's hours, not excused
    in that time and not reported for that last trace's day yet. Students never seen by any
    source are not flagged: without a first trace there is nothing to miss."""
    since = at - datetime.timedelta(hours=rule.hours)
    last = (
        Trace.objects.values("student_id")
        .annotate(last=Max("at"))
        .filter(last__lt=since)
        .values_list("student_id", "last")
    )
    last_seen = dict(last)
    open_reports = set(
        AutoReport.objects.filter(rule=rule, resolved_at__isnull=True).values_list(
            "student_id", flat=True
        )
    )
    ids = [pk for pk in last_seen if pk not in open_reports]
    excused = hooks.excused(ids, since, at)
    students = {
        s[0]: s
        for s in Student.objects.filter(pk__in=[i for i in ids if i not in excused])
        .filter(status=Student.Status.ENROLLED)
        .values_list("pk", "student_no", "name", "klass__code", "klass__name")
    }
    missing = []
    for pk in sorted(students):
        _pk, no, name, klass, klass_name = students[pk]
        seen = timezone.localtime(last_seen[pk])
        period = seen.date()
        if AutoReport.objects.filter(rule=rule, student_id=pk, period=period).exists():
            continue
        missing.append(((pk, no, name, klass, klass_name, seen), period))
    filed = 0
    for period in sorted({p for _s, p in missing}):
        group = [s for s, p in missing if p == period]
        filed += _file(
            rule,
            period,
            group,
            now,
            lambda name, no, place, hours=rule.hours: (
                _("%(name)s (%(no)s, %(place)s): no trace of any source for %(hours)d hours.")
                % {"name": name, "no": no, "place": place, "hours": hours}
            ),
        )
    event_record(
        actor=None,
        subject=rule,
        verb="monitoring.missing_scanned",
        at=now,
        data={"since": since.isoformat(), "excused": len(excused), "filed": filed},
    )
    return filed


# ---- the auditor ----------------------------------------------------------------------------


def rules_without_deadline() -> list[int]:
    live_ids = {int(s.split("@")[0]) for s in open_runs().values_list("subject_id", flat=True)}
    return [
        pk
        for pk in Rule.objects.filter(is_active=True).values_list("pk", flat=True)
        if pk not in live_ids
    ]


def rules_repair(*, now, **kwargs) -> int:
    ids = rules_without_deadline()
    with transaction.atomic():
        for rule in Rule.objects.select_for_update().filter(pk__in=ids).order_by("pk"):
            rule_schedule(rule, now=now)
            event_record(
                actor=None, subject=rule, verb="monitoring.rule_deadline_restored", at=now, data={}
            )
    return len(ids)

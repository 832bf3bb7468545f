"""The truancy rule, run by the worker (the deadline engine, or the import job), never on page
load.

A rule (N unexcused absences within M days) is scanned once a day on its own Deadline
(`studies_truancy_scan`, the next one scheduled by the act) and after every attendance import.
An absence is unexcused when its status is 缺勤 and no registered excuse (approved leave, via
`monitoring.hooks.excused`) covers the student on that day. A student found gets one
`TruancyCase` and one automatic 经常无故旷课 report; no second one from the same rule until M
days after the first window ended (the period).

The scan looks at the M days ending on the day it runs: an attendance file of old dates adds
to the record but raises no report for a streak that ended before that window. 学业预警 is in
academic.py.
"""

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.escalation.levels import Severity
from shouwang.escalation.models import Deadline
from shouwang.escalation.services import deadlines_schedule
from shouwang.monitoring import hooks as monitoring_hooks
from shouwang.org.models import Student
from shouwang.reports import services as report_services

from .models import Attendance, TruancyCase, TruancyRule

TRUANCY_SCAN = "studies_truancy_scan"
RULE_SUBJECT = "studies.truancyrule"
SCAN_HOUR = 6  # the daily scan runs at 06:00 school time, after the night's imports
SOURCE = "studies.truancy"
SEVERITY_CHOICES = Severity.choices


def file_automatic(*, source, items, now):
    """Automatic reports go through the reports app (one call, deduplicated on each item's key;
    tests replace this with a fake)."""
    return report_services.reports_file_automatic(source=source, items=items, now=now)


# ---- truancy ------------------------------------------------------------------------------


def next_scan_at(now) -> datetime.datetime:
    local = timezone.localtime(now)
    at = local.replace(hour=SCAN_HOUR, minute=0, second=0, microsecond=0)
    return at if at > local else at + datetime.timedelta(days=1)


def scan_schedule(rule: TruancyRule, *, now) -> None:
    """The rule's next daily scan (fence = the rule's scan step, raised each time)."""
    rule.scan_step += 1
    TruancyRule.objects.filter(pk=rule.pk).update(scan_step=rule.scan_step)
    deadlines_schedule(
        deadlines=[
            {
                "kind": TRUANCY_SCAN,
                "subject_type": RULE_SUBJECT,
                "subject_id": rule.pk,
                "fence": rule.scan_step,
                "due_at": next_scan_at(now),
            }
        ],
        now=now,
    )


def lock_rule(subject_id):
    return TruancyRule.objects.select_for_update().filter(pk=subject_id, is_active=True).first()


def scan_act(deadline, rule, now) -> str:
    if deadline.fence != rule.scan_step:
        return "stale"
    cases = truancy_scan(rule=rule, now=now)
    scan_schedule(rule, now=now)
    return f"{len(cases)} found"


def rules_without_scan() -> list:
    scheduled = Deadline.objects.filter(
        kind=TRUANCY_SCAN, subject_type=RULE_SUBJECT, state=Deadline.State.OPEN
    ).values_list("subject_id", flat=True)
    return list(
        TruancyRule.objects.filter(is_active=True)
        .exclude(pk__in=[int(s) for s in scheduled])
        .values_list("pk", flat=True)
    )


def rules_repair(*, now) -> int:
    repaired = 0
    for pk in rules_without_scan():
        with transaction.atomic():
            rule = lock_rule(pk)
            if rule is None:
                continue
            scan_schedule(rule, now=now)
            event_record(actor=None, subject=rule, verb="studies.scan_restored", at=now, data={})
            repaired += 1
    return repaired


def unexcused_absences(rule: TruancyRule, end: datetime.date) -> dict[int, list[tuple]]:
    """{student id: [(date, course), …]} of the students with at least `rule.absences`
    unexcused absences in the `rule.days` days ending on `end`."""
    start = end - datetime.timedelta(days=rule.days - 1)
    absences = Attendance.objects.filter(
        status=Attendance.Status.ABSENT, date__gte=start, date__lte=end
    )
    many = set(
        absences.values("student_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=rule.absences)
        .values_list("student_id", flat=True)
    )
    if not many:
        return {}
    by_student: dict[int, list[tuple]] = defaultdict(list)
    by_day: dict[datetime.date, set[int]] = defaultdict(set)
    for student_id, day, course in absences.filter(student_id__in=many).values_list(
        "student_id", "date", "course"
    ):
        by_student[student_id].append((day, course))
        by_day[day].add(student_id)
    tz = timezone.get_default_timezone()
    for day, ids in by_day.items():
        day_start = datetime.datetime.combine(day, datetime.time(), tzinfo=tz)
        excused = monitoring_hooks.excused(ids, day_start, day_start + datetime.timedelta(days=1))
        for student_id in excused:
            by_student[student_id] = [a for a in by_student[student_id] if a[0] != day]
    return {s: sorted(found) for s, found in by_student.items() if len(found) >= rule.absences}


def truancy_scan(*, rule: TruancyRule, now) -> list[TruancyCase]:
    """Find the rule's streaks ending today and file each as one automatic report. Runs in the
    caller's transaction (the sweep's, or the import job's)."""
    end = timezone.localtime(now).date()
    found = unexcused_absences(rule, end)
    recent = set(
        TruancyCase.objects.filter(
            rule=rule,
            student_id__in=list(found),
            window_end__gt=end - datetime.timedelta(days=rule.days),
        ).values_list("student_id", flat=True)
    )
    students = Student.objects.select_related("klass").in_bulk(set(found) - recent)
    start = end - datetime.timedelta(days=rule.days - 1)
    cases, items = [], []
    for student_id, student in sorted(students.items()):
        absences = found[student_id]
        key = f"{SOURCE}:{rule.pk}:{student_id}:{end.isoformat()}"
        cases.append(
            TruancyCase(
                rule=rule,
                student=student,
                window_start=start,
                window_end=end,
                absences=len(absences),
                report_key=key,
                found_at=now,
            )
        )
        listed = "；".join(f"{d.isoformat()} {c}" for d, c in absences[:20])
        items.append(
            {
                "key": key,
                "category": "truancy",
                "severity": rule.severity,
                "unit": student.klass,
                "students": [student],
                "occurred_at": now,
                "place": absences[-1][1][:200],
                "description": _(
                    "%(name)s (%(no)s) was absent without leave %(n)d times in %(days)d days "
                    "(rule: %(rule)s): %(list)s"
                )
                % {
                    "name": student.name,
                    "no": student.student_no,
                    "n": len(absences),
                    "days": rule.days,
                    "rule": rule.name,
                    "list": listed,
                },
            }
        )
    if not cases:
        return []
    TruancyCase.objects.bulk_create(cases)
    file_automatic(source=SOURCE, items=items, now=now)
    event_record(
        actor=None,
        subject=rule,
        verb="studies.truancy_found",
        at=now,
        data={
            "rule": rule.pk,
            "window": [start.isoformat(), end.isoformat()],
            "students": [c.student.student_no for c in cases],
        },
    )
    return cases


def truancy_scan_all(*, now) -> int:
    found = 0
    for rule in TruancyRule.objects.filter(is_active=True):
        found += len(truancy_scan(rule=rule, now=now))
    return found

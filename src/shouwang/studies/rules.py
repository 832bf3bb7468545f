"""The rules, run by the worker (the deadline engine, or the import job), never on page load.

Truancy: a rule (N unexcused absences within M days) is scanned once a day on its own Deadline
(`studies_truancy_scan`, the next one scheduled by the act) and after every attendance import.
An absence is unexcused when its status is 缺勤 and no registered excuse (approved leave, via
`monitoring.hooks.excused`) covers the student on that day. A student found gets one
`TruancyCase` and one automatic 经常无故旷课 report; no second one from the same rule until M
days after the first window ended (the period).

学业预警: after a grades import, each student's failed credits (courses whose latest result is
a fail) are compared with the thresholds; a new or higher level raises the warning, tells the
counsellor and asks for a parent contact by a due time on the engine (a reminder, then the
college's deputy secretary when the contact is overdue). One warning per student and term; a
later file never lowers it (it is a record of what was found and followed up).

The scan looks at the M days ending on the day it runs: an attendance file of old dates adds
to the record but raises no report for a streak that ended before that window.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.escalation.levels import Severity
from shouwang.escalation.models import Deadline
from shouwang.escalation.services import deadlines_schedule
from shouwang.monitoring import hooks as monitoring_hooks
from shouwang.notify.services import Outgoing, messages_send
from shouwang.org.models import Post, Student, Unit
from shouwang.reports import services as report_services

from .models import AcademicWarning, Attendance, Grade, TruancyCase, TruancyRule, WarningRule

TRUANCY_SCAN = "studies_truancy_scan"
CONTACT_REMIND = "studies_contact_remind"
CONTACT_OVERDUE = "studies_contact_overdue"
RULE_SUBJECT = "studies.truancyrule"
WARNING_SUBJECT = "studies.academicwarning"
SCAN_HOUR = 6  # the daily scan runs at 06:00 school time, after the night's imports
SOURCE = "studies.truancy"
SEVERITY_CHOICES = Severity.choices
LEVEL_ORDER = {None: 0, "yellow": 1, "orange": 2, "red": 3}


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


# ---- 学业预警 ------------------------------------------------------------------------------


def warning_rule() -> WarningRule:
    rule = WarningRule.objects.order_by("pk").first()
    return rule or WarningRule(**WarningRule.DEFAULTS)


def level_for(failed: Decimal, rule: WarningRule) -> str | None:
    if failed > rule.red_over:
        return AcademicWarning.Level.RED
    if failed >= rule.orange_from:
        return AcademicWarning.Level.ORANGE
    if failed > rule.yellow_over:
        return AcademicWarning.Level.YELLOW
    return None


def failed_credits(student_ids) -> dict[int, tuple[Decimal, str]]:
    """{student id: (credits of courses whose latest result is a fail, latest term)}."""
    latest: dict[tuple[int, str], tuple[str, bool, Decimal]] = {}
    for s, term, course, passed, credits in (
        Grade.objects.filter(student_id__in=list(student_ids))
        .order_by("term")
        .values_list("student_id", "term", "course", "passed", "credits")
    ):
        latest[(s, course)] = (term, passed, credits)
    totals: dict[int, tuple[Decimal, str]] = {}
    for (s, _course), (term, passed, credits) in latest.items():
        total, last = totals.get(s, (Decimal(0), ""))
        totals[s] = (total + (Decimal(0) if passed else credits), max(last, term))
    return totals


def counsellors_of(units: set[int], on: datetime.date) -> dict[int, list]:
    found: dict[int, list] = defaultdict(list)
    for post in (
        Post.objects.current(on)
        .filter(unit_id__in=units, role__code="counsellor")
        .select_related("person")
    ):
        found[post.unit_id].append(post.person)
    return found


def deputies_of(klass: Unit, on: datetime.date) -> list:
    """The college's deputy secretary for student work; its head when that post is vacant."""
    codes = klass.path.strip("/").split("/")
    colleges = Unit.objects.filter(code__in=codes, kind=Unit.Kind.COLLEGE)
    for role in ("deputy_secretary", "leader"):
        people = [
            p.person
            for p in Post.objects.current(on)
            .filter(unit__in=colleges, role__code=role)
            .select_related("person")
        ]
        if people:
            return people
    return []


def _followers(klass: Unit, counsellors: dict, on) -> list:
    """Who follows a warning up: the class's counsellors; the college's deputy secretary when
    the class has none (a vacant post must not leave a warning unread)."""
    return counsellors.get(klass.pk) or deputies_of(klass, on)


def warnings_evaluate(*, student_ids, now) -> list[AcademicWarning]:
    """Raise or upgrade the warnings of these students (in the caller's transaction)."""
    rule = warning_rule()
    totals = failed_credits(student_ids)
    existing = {
        (w.student_id, w.term): w
        for w in AcademicWarning.objects.select_for_update().filter(student_id__in=list(totals))
    }
    raised = []
    students = Student.objects.select_related("klass").in_bulk(list(totals))
    due = now + datetime.timedelta(days=rule.contact_days)
    for student_id, (failed, term) in sorted(totals.items()):
        level = level_for(failed, rule)
        if level is None:
            continue
        old = existing.get((student_id, term))
        if old is not None and LEVEL_ORDER[old.level] >= LEVEL_ORDER[level]:
            continue
        if old is None:
            warning = AcademicWarning.objects.create(
                student=students[student_id],
                term=term,
                level=level,
                failed_credits=failed,
                raised_at=now,
                contact_due_at=due,
            )
            reminder = due - datetime.timedelta(days=rule.remind_days)
            deadlines = [
                {
                    "kind": CONTACT_OVERDUE,
                    "subject_type": WARNING_SUBJECT,
                    "subject_id": warning.pk,
                    "due_at": due,
                }
            ]
            if rule.remind_days and reminder > now:
                deadlines.append(
                    {
                        "kind": CONTACT_REMIND,
                        "subject_type": WARNING_SUBJECT,
                        "subject_id": warning.pk,
                        "due_at": reminder,
                    }
                )
            deadlines_schedule(deadlines=deadlines, now=now)
            verb, data = "studies.warning_raised", {}
        else:
            warning, data = old, {"from": old.level}
            warning.level, warning.failed_credits = level, failed
            warning.save(update_fields=["level", "failed_credits"])
            verb = "studies.warning_raised_level"
        event_record(
            actor=None,
            subject=warning,
            verb=verb,
            at=now,
            data={
                **data,
                "student": warning.student.student_no,
                "term": term,
                "level": level,
                "failed_credits": str(failed),
                "contact_due_at": warning.contact_due_at.isoformat(),
            },
        )
        raised.append(warning)
    _tell_counsellors(raised, now)
    return raised


def _tell_counsellors(warnings, now) -> None:
    if not warnings:
        return
    on = timezone.localtime(now).date()
    counsellors = counsellors_of({w.student.klass_id for w in warnings}, on)
    url = reverse("studies_warnings")
    messages_send(
        [
            Outgoing(
                WARNING_SUBJECT,
                str(w.pk),
                "studies.warning",
                _("学业预警 (%(level)s): %(name)s, %(credits)s failed credits")
                % {
                    "level": w.get_level_display(),
                    "name": w.student.name,
                    "credits": w.failed_credits,
                },
                _("Contact the parents and record it by %(due)s.")
                % {"due": timezone.localtime(w.contact_due_at).strftime("%Y-%m-%d %H:%M")},
                url,
                _followers(w.student.klass, counsellors, on),
            )
            for w in warnings
        ],
        now=now,
    )


def lock_warning(subject_id):
    return (
        AcademicWarning.objects.select_for_update()
        .select_related("student__klass")
        .filter(pk=subject_id)
        .exclude(contact=AcademicWarning.Contact.DONE)
        .first()
    )


def contact_remind(deadline, warning, now) -> str:
    on = timezone.localtime(now).date()
    klass = warning.student.klass
    people = _followers(klass, counsellors_of({klass.pk}, on), on)
    messages_send(
        [
            Outgoing(
                WARNING_SUBJECT,
                str(warning.pk),
                "studies.contact_remind",
                _("Reminder: contact the parents of %(name)s (学业预警) by %(due)s")
                % {
                    "name": warning.student.name,
                    "due": timezone.localtime(warning.contact_due_at).strftime("%Y-%m-%d %H:%M"),
                },
                "",
                reverse("studies_warnings"),
                people,
            )
        ],
        now=now,
    )
    event_record(
        actor=None,
        subject=warning,
        verb="studies.contact_reminded",
        at=now,
        data={"to": [p.pk for p in people]},
    )
    return "reminded"


def contact_overdue(deadline, warning, now) -> str:
    on = timezone.localtime(now).date()
    klass = warning.student.klass
    deputies = deputies_of(klass, on)
    counsellors = counsellors_of({klass.pk}, on).get(klass.pk, [])
    warning.contact, warning.escalated_at = AcademicWarning.Contact.OVERDUE, now
    warning.save(update_fields=["contact", "escalated_at"])
    messages_send(
        [
            Outgoing(
                WARNING_SUBJECT,
                str(warning.pk),
                "studies.contact_overdue",
                _("Overdue: the parents of %(name)s (学业预警 %(level)s) were not contacted")
                % {"name": warning.student.name, "level": warning.get_level_display()},
                _("Due %(due)s; nothing recorded.")
                % {"due": timezone.localtime(warning.contact_due_at).strftime("%Y-%m-%d %H:%M")},
                reverse("studies_warnings"),
                [*deputies, *counsellors],
            )
        ],
        now=now,
    )
    event_record(
        actor=None,
        subject=warning,
        verb="studies.contact_overdue",
        at=now,
        data={"escalated_to": [p.pk for p in deputies]},
    )
    return "escalated"

"""学业预警, raised by the grades import job (the worker), never on page load.

After a grades import, each student's failed credits (courses whose latest result is a fail)
are compared with the thresholds; a new or higher level raises the warning, tells the
counsellor and asks for a parent contact by a due time on the engine (a reminder, then the
college's deputy secretary when the contact is overdue). One warning per student and term; a
later file never lowers it (it is a record of what was found and followed up).
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.escalation.services import deadlines_schedule
from shouwang.notify.services import Outgoing, messages_send
from shouwang.org.models import Post, Student, Unit

from .models import AcademicWarning, Grade, WarningRule

CONTACT_REMIND = "studies_contact_remind"
CONTACT_OVERDUE = "studies_contact_overdue"
WARNING_SUBJECT = "studies.academicwarning"
LEVEL_ORDER = {None: 0, "yellow": 1, "orange": 2, "red": 3}


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

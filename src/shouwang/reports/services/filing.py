"""Filing a report (a person's, or an integration's with a token) and adding facts to it
afterwards (边处理，边反映). Every field is checked in `_clean_facts`, so the form can ask for
all the problems at once (`report_file_errors`) before `report_file` refuses them."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang import bounds
from shouwang.audit.services import batched_events, event_record, rows_insert
from shouwang.escalation.engine import route_plan
from shouwang.org import selectors as org

from .. import route, selectors
from ..attachments import check_upload
from ..models import Attachment, Category, Report, ReportUpdate, Severity
from ..permissions import is_covert_observer


def _clean_facts(
    *,
    viewer,
    category,
    severity,
    unit_code,
    occurred_at,
    place,
    description,
    people_count,
    student_nos,
    unit_codes,
    now,
):
    """Check every field; collect all errors (field → message) before raising."""
    errors = {}
    # No ORDER BY anywhere here: these only check that the rows exist (and compiling the
    # models' default orderings is a good part of what filing costs).
    cat = Category.objects.filter(code=category, is_active=True).order_by().first()
    if cat is None:
        errors["category"] = _("Choose a report category from the list.")
    if severity not in Severity.values:
        errors["severity"] = _("Choose a severity: general, larger, major or especially major.")
    unit = (
        org.units_visible(viewer).filter(code=unit_code).order_by().first() if unit_code else None
    )
    if unit is None:
        errors["unit"] = _("Choose a unit you are responsible for.")
    if occurred_at is None:
        errors["occurred_at"] = _("Enter when it happened.")
    elif time_problem := bounds.implausible_time(occurred_at):
        errors["occurred_at"] = time_problem
    elif occurred_at > now + timedelta(minutes=settings.REPORT_CLOCK_SKEW_MINUTES):
        errors["occurred_at"] = _("The time it happened cannot be in the future.")
    if not (place or "").strip():
        errors["place"] = _("Enter where it happened.")
    if not (description or "").strip():
        errors["description"] = _("Describe what happened.")
    count_problem = _count_problem(people_count)
    if count_problem:
        errors["people_count"] = count_problem
    for field, value, limit in (
        ("place", place, 200),
        ("description", description, bounds.MAX_TEXT),
    ):
        if len(value or "") > limit:
            errors[field] = _("At most %(limit)d characters.") % {"limit": limit}
    if len(student_nos or ()) > bounds.MAX_LIST or len(unit_codes or ()) > bounds.MAX_LIST:
        # Checked before any query: 70,000 numbers would not fit in one statement.
        raise ValidationError(
            {
                **errors,
                "students" if len(student_nos or ()) > bounds.MAX_LIST else "units_involved": _(
                    "At most %(limit)d entries."
                )
                % {"limit": bounds.MAX_LIST},
            }
        )
    student_nos = sorted(set(student_nos or []))
    students = sorted(
        org.students_visible(viewer)
        .filter(student_no__in=student_nos)
        .select_related("klass", "dorm_room")
        .order_by(),
        key=lambda s: s.student_no,
    )
    unknown = sorted(set(student_nos) - {s.student_no for s in students})
    if unknown:
        # The same message whether the student does not exist or is out of scope: no probing.
        errors["students"] = _("Students not found among those you may report on: %(nos)s") % {
            "nos": ", ".join(unknown)
        }
    # Units involved route the report only inside the filer's own scope: a dorm head naming
    # another college must not reach its deputy secretary as if she belonged there. Codes outside
    # (known or not: no probing) are kept as text on the timeline, never routed to.
    unit_codes = sorted(set(unit_codes or []))
    units = (
        list(org.units_visible(viewer).filter(code__in=unit_codes).order_by()) if unit_codes else []
    )
    if errors:
        raise ValidationError(errors)
    return cat, unit, students, units


def _count_problem(value) -> str | None:
    if value is None:
        return None
    if value < 0:
        return _("The number of people cannot be negative.")
    if value > bounds.MAX_COUNT:
        return _("At most %(limit)d.") % {"limit": bounds.MAX_COUNT}
    return None


def _check_attachments(attachments, errors: dict) -> list:
    """Sniff every file; each bad one adds its message under "attachments" (all are named)."""
    checked, bad = [], []
    for upload in attachments:
        try:
            checked.append((upload, check_upload(upload)))
        except ValidationError as exc:
            bad.extend(exc.messages)
    if bad:
        errors["attachments"] = bad
    return checked


def report_file_errors(
    *,
    actor,
    category=None,
    severity=None,
    unit=None,
    occurred_at=None,
    place="",
    description="",
    people_count=None,
    students=(),
    units_involved=(),
    attachments=(),
    now=None,
    **_unchecked,
) -> dict:
    """What report_file would refuse in these fields, as {field: [messages]}; writes nothing. The
    form asks this when its own parsing failed, so a person sees every problem in one round
    (a future time, a student out of scope, a renamed .exe) instead of fixing twice."""
    now = now or timezone.now()
    errors: dict = {}
    try:
        _clean_facts(
            viewer=actor,
            category=category,
            severity=severity,
            unit_code=unit,
            occurred_at=occurred_at,
            place=place,
            description=description,
            people_count=people_count,
            student_nos=students,
            unit_codes=units_involved,
            now=now,
        )
    except ValidationError as exc:
        errors = exc.message_dict
    _check_attachments(attachments, errors)
    return errors


def report_file(
    *,
    actor,
    category: str,
    severity: str,
    unit: str,
    occurred_at,
    place: str,
    description: str,
    people_count: int | None = None,
    cause: str = "",
    trend: str = "",
    students=(),
    units_involved=(),
    attachments=(),
    api_token=None,
    now=None,
) -> Report:
    """File a report and start its route. `actor` is a person or a token principal."""
    now = now or timezone.now()
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    errors = {}
    try:
        cat, unit_obj, student_objs, unit_objs = _clean_facts(
            viewer=actor,
            category=category,
            severity=severity,
            unit_code=unit,
            occurred_at=occurred_at,
            place=place,
            description=description,
            people_count=people_count,
            student_nos=students,
            unit_codes=units_involved,
            now=now,
        )
    except ValidationError as exc:
        errors = exc.message_dict
    checked = _check_attachments(attachments, errors)
    if errors:
        raise ValidationError(errors)
    person = actor if getattr(actor, "pk", None) else None
    # An integration (access control, campus card) files in bursts and needs no list of who was
    # asked: its report is accepted in one short transaction with a route deadline due now, and
    # the worker routes such reports in batches within a second. A person's report is routed
    # here and now, so the page they land on shows who was asked.
    planned = None if api_token is not None else route_plan(cat, severity, now)
    with transaction.atomic(), batched_events():
        report = Report.objects.create(
            category=cat,
            severity=severity,
            unit=unit_obj,
            occurred_at=occurred_at,
            place=place.strip(),
            people_count=people_count,
            cause=cause,
            trend=trend,
            description=description.strip(),
            reporter=person,
            api_token=api_token,
            filed_at=now,
            reporter_is_covert=bool(person and is_covert_observer(person)),
            **(
                {
                    "policy_name": planned["policy_name"],
                    "route": planned["route"],
                    "current_step": planned["current_step"],
                }
                if planned
                else {}
            ),
        )
        rows_insert(
            Report.students.through,
            [{"report_id": report.pk, "student_id": s.pk} for s in student_objs],
        )
        rows_insert(
            Report.units_involved.through,
            [{"report_id": report.pk, "unit_id": u.pk} for u in unit_objs],
        )
        attachment_objs = [
            Attachment.objects.create(
                report=report, file=upload, uploaded_by=person, at=now, **facts
            )
            for upload, facts in checked
        ]
        event_record(
            actor=person,
            subject=report,
            verb="report.filed",
            at=now,
            data={
                "category": cat.code,
                "severity": severity,
                "unit": unit_obj.code,
                "occurred_at": occurred_at.isoformat(),
                "place": report.place,
                "people_count": people_count,
                "students": [s.student_no for s in student_objs],
                "units_involved": [u.code for u in unit_objs],
                **(
                    {"units_named": named}
                    if (named := sorted(set(units_involved) - {u.code for u in unit_objs}))
                    else {}
                ),
                "attachments": [f["sha256"] for _u, f in checked],
                "via": f"token:{api_token.name}" if api_token else "person",
            },
        )
        if planned is None:
            route.route_later(report=report, now=now)
        else:
            paths = [
                unit_obj.path,
                *(u.path for u in unit_objs),
                *(u.path for s in student_objs for u in (s.klass, s.dorm_room) if u is not None),
            ]
            route.route_start(report=report, now=now, planned=planned, paths=paths)
    _known_relations(
        report, students=student_objs, units_involved=unit_objs, attachments=attachment_objs
    )
    return report


def _known_relations(report, **related):
    """The caller usually shows the report it just filed (the API answers with it): give it the
    students, units and attachments already in hand, as prefetch_related would, instead of a
    query for each."""
    report._prefetched_objects_cache = {}
    for name, objs in related.items():
        queryset = getattr(report, name).all()
        queryset._result_cache, queryset._prefetch_done = list(objs), True
        report._prefetched_objects_cache[name] = queryset


def report_update_add(
    *,
    actor,
    report: Report,
    text: str,
    people_count=None,
    trend: str = "",
    attachments=(),
    occurred_at=None,
    place: str = "",
    now=None,
) -> ReportUpdate:
    """边处理，边反映: append facts; the original stays as filed. Anyone who may see the report may
    add what they know (a token with reports.write too, for the reports in its scope). An update
    may correct when (`occurred_at`) and where (`place`) it happened."""
    now = now or timezone.now()
    if (
        not getattr(actor, "is_authenticated", False)
        or not selectors.reports_visible(actor).filter(pk=report.pk).exists()
    ):
        raise PermissionDenied
    errors = {} if (text or "").strip() else {"text": [_("Write what has changed.")]}
    if len(text or "") > bounds.MAX_TEXT or len(trend or "") > bounds.MAX_TEXT:
        errors["text" if len(text or "") > bounds.MAX_TEXT else "trend"] = [
            _("At most %(limit)d characters.") % {"limit": bounds.MAX_TEXT}
        ]
    if count_problem := _count_problem(people_count):
        errors["people_count"] = [count_problem]
    if occurred_at is not None:
        if time_problem := bounds.implausible_time(occurred_at):
            errors["occurred_at"] = [time_problem]
        elif occurred_at > now + timedelta(minutes=settings.REPORT_CLOCK_SKEW_MINUTES):
            errors["occurred_at"] = [_("The time it happened cannot be in the future.")]
    if len(place or "") > 200:
        errors["place"] = [_("At most %(limit)d characters.") % {"limit": 200}]
    checked = _check_attachments(attachments, errors)
    if errors:
        raise ValidationError(errors)
    person = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        update = ReportUpdate.objects.create(
            report=report,
            author=person,
            text=text.strip(),
            people_count=people_count,
            trend=trend,
            at=now,
            occurred_at=occurred_at,
            place=(place or "").strip(),
        )
        for upload, facts in checked:
            Attachment.objects.create(
                report=report, update=update, file=upload, uploaded_by=person, at=now, **facts
            )
        event_record(
            actor=person,
            subject=report,
            verb="report.updated",
            at=now,
            data={
                "update": update.pk,
                "text": update.text,
                "people_count": people_count,
                "trend": trend,
                "attachments": [f["sha256"] for _u, f in checked],
                **({"occurred_at": occurred_at.isoformat()} if occurred_at else {}),
                **({"place": update.place} if update.place else {}),
            },
        )
    return update

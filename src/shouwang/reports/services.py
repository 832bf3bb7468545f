"""Every write to a report: permission, change and timeline event in one transaction."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang import bounds
from shouwang.audit.services import batched_events, event_record, rows_insert
from shouwang.escalation.engine import route_plan
from shouwang.escalation.models import Deadline
from shouwang.org import selectors as org

from . import hooks, route, selectors
from .attachments import check_upload
from .models import (
    SEVERITY_ORDER,
    Attachment,
    Category,
    ExternalReport,
    Recipient,
    Report,
    ReportUpdate,
    Severity,
)
from .permissions import approves_downgrade, can_verify, is_covert_observer


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


def report_acknowledge(*, actor, report: Report, channel: str, note: str = "", now=None) -> Report:
    """确认收到 — the one entry point: the inbox, the report page, the API and the one-tap link
    (acklinks.ack_link_use, after checking the link) all come here. Only a person asked to
    acknowledge may; the first acknowledgement stops the chain."""
    now = now or timezone.now()
    with transaction.atomic(), batched_events():
        if not Recipient.objects.filter(
            report=report, person=actor, purpose=Recipient.Purpose.ACK
        ).exists():
            raise PermissionDenied(
                _("Only the people asked to acknowledge this report can acknowledge it.")
            )
        return route.acknowledge_locked(
            report=report, person=actor, channel=channel, note=note, now=now
        )


def report_verify(
    *,
    actor,
    report: Report,
    verdict: str,
    note: str = "",
    duplicate_of: Report | None = None,
    now=None,
) -> Report:
    """核实: true, false, or a duplicate merged into the original (both timelines kept)."""
    now = now or timezone.now()
    if not can_verify(actor, report):
        raise PermissionDenied
    if verdict not in (
        Report.Verification.TRUE,
        Report.Verification.FALSE,
        Report.Verification.DUPLICATE,
    ):
        raise ValidationError({"verdict": _("Choose true, false or duplicate.")})
    if verdict == Report.Verification.DUPLICATE:
        if duplicate_of is None or duplicate_of.pk == report.pk or duplicate_of.duplicate_of_id:
            raise ValidationError(
                {"duplicate_of": _("Choose the original report this one repeats.")}
            )
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        report.verification = verdict
        report.duplicate_of = duplicate_of if verdict == Report.Verification.DUPLICATE else None
        report.save(update_fields=["verification", "duplicate_of"])
        event_record(
            actor=actor,
            subject=report,
            verb="report.verified",
            at=now,
            data={
                "verdict": verdict,
                "note": note,
                "duplicate_of": duplicate_of.pk if duplicate_of else None,
            },
        )
        if duplicate_of is not None and verdict == Report.Verification.DUPLICATE:
            event_record(
                actor=actor,
                subject=duplicate_of,
                verb="report.duplicate_merged",
                at=now,
                data={"duplicate": report.pk, "note": note},
            )
    return report


def report_decide(*, actor, report: Report, decision: str, note: str = "", now=None) -> Report:
    now = now or timezone.now()
    if not can_verify(actor, report):
        raise PermissionDenied
    if report.verification != Report.Verification.TRUE:
        raise ValidationError(
            {"decision": _("Verify the report as true before deciding how to handle it.")}
        )
    if decision not in (Report.Decision.LOCAL, Report.Decision.ESCALATE, Report.Decision.PLAN):
        raise ValidationError(
            {"decision": _("Choose: handle locally, escalate, or activate an emergency plan.")}
        )
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        # The stored verdict decides, not the copy the caller holds (re-verified meanwhile?).
        if report.verification != Report.Verification.TRUE:
            raise ValidationError(
                {"decision": _("Verify the report as true before deciding how to handle it.")}
            )
        report.decision = decision
        report.save(update_fields=["decision"])
        event_record(
            actor=actor,
            subject=report,
            verb="report.decided",
            at=now,
            data={"decision": decision, "note": note},
        )
        hooks.decided(actor=actor, report=report, decision=decision, now=now)
    return report


def report_severity_change(
    *, actor, report: Report, severity: str, reason: str, now=None
) -> Report:
    """定级调整: change a report's severity, with a reason. Those who verify may (the frozen route
    stays as filed); a downgrade by the school level (学生处, the school's leaders) is recorded
    as approved, anyone else's as not — the 瞒报 rule reads which it was."""
    now = now or timezone.now()
    if not can_verify(actor, report):
        raise PermissionDenied
    errors = {}
    if severity not in Severity.values:
        errors["severity"] = _("Choose a severity: general, larger, major or especially major.")
    if not (reason or "").strip():
        errors["reason"] = _("Give the reason for changing the severity.")
    elif len(reason) > bounds.MAX_TEXT:
        errors["reason"] = _("At most %(limit)d characters.") % {"limit": bounds.MAX_TEXT}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if severity == report.severity:
            raise ValidationError({"severity": _("The report already has this severity.")})
        before = report.severity
        downgrade = SEVERITY_ORDER.index(severity) < SEVERITY_ORDER.index(before)
        report.severity = severity
        report.save(update_fields=["severity"])
        event_record(
            actor=actor,
            subject=report,
            verb="report.severity_changed",
            at=now,
            data={
                "from": before,
                "to": severity,
                "reason": reason.strip(),
                "downgrade": downgrade,
                "approved": bool(downgrade and approves_downgrade(actor)),
            },
        )
    return report


def report_plan_activated(
    *,
    actor,
    report: Report,
    incident_id: int,
    plan_code: str,
    level: str,
    plan_title: str = "",
    now=None,
) -> Report:
    """Activating a plan from a report answers the report's decision (R-REP-5: handle locally,
    escalate, or a plan). The incidents app calls this in its activation transaction, having
    checked that the actor may activate; here: the report must be one the actor may see, and
    verified true."""
    now = now or timezone.now()
    if not selectors.reports_visible(actor).filter(pk=report.pk).exists():
        raise PermissionDenied
    if report.verification != Report.Verification.TRUE:
        raise ValidationError(
            {"report": [_("Verify the report as true before activating a plan for it.")]}
        )
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        report.decision = Report.Decision.PLAN
        report.save(update_fields=["decision"])
        event_record(
            actor=actor,
            subject=report,
            verb="report.plan_activated",
            at=now,
            data={
                "incident": incident_id,
                "plan": plan_code,
                "plan_title": plan_title,
                "level": level,
            },
        )
    return report


def report_external_record(
    *, actor, report: Report, recipient_kind: str, recipient: str, content: str, sent_at, now=None
) -> ExternalReport:
    now = now or timezone.now()
    if not can_verify(actor, report):
        raise PermissionDenied
    errors = {}
    if recipient_kind not in ExternalReport.RecipientKind.values:
        errors["recipient_kind"] = _("Choose who was reported to.")
    if not (recipient or "").strip():
        errors["recipient"] = _("Name the office or person reported to.")
    if not (content or "").strip():
        errors["content"] = _("Record what was reported.")
    if sent_at is None or sent_at > now + timedelta(minutes=settings.REPORT_CLOCK_SKEW_MINUTES):
        errors["sent_at"] = _("Enter when it was reported (not in the future).")
    elif time_problem := bounds.implausible_time(sent_at):
        errors["sent_at"] = time_problem
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        external = ExternalReport.objects.create(
            report=report,
            recipient_kind=recipient_kind,
            recipient=recipient.strip(),
            content=content.strip(),
            sent_at=sent_at,
            recorded_by=actor,
            recorded_at=now,
        )
        event_record(
            actor=actor,
            subject=report,
            verb="report.reported_externally",
            at=now,
            data={
                "recipient_kind": recipient_kind,
                "recipient": external.recipient,
                "content": external.content,
                "sent_at": sent_at.isoformat(),
            },
        )
    return external


# ---- reports raised by rules ---------------------------------------------------------------

MAX_AUTOMATIC_BATCH = 20_000


def reports_file_automatic(*, source: str, items, now=None) -> list[Report]:
    """File the reports a rule raised — no person and no token behind them (the night scan's
    夜不归宿, a truancy streak, an overdue return from leave) — in ONE transaction, as an
    integration's reports are: stored with a route deadline due now, so the worker routes them
    in batches by the same policies (night duty included) within a second.

    `items`: dicts with `key` (dedup: one report per key, ever — a key already filed is skipped,
    so a rerun of a scan files nothing twice), `category` (code), `severity`, `unit` (a Unit:
    usually the student's class), `students` (Student objects), `occurred_at`, `place`,
    `description`. Returns the reports newly filed, in the order of `items`. Bad items raise
    ValueError naming the item and nothing is filed: the callers are code, not forms."""
    now = now or timezone.now()
    items = list(items)
    if not source or len(source) > 40:
        raise ValueError("source: 1–40 characters")
    if len(items) > MAX_AUTOMATIC_BATCH:
        raise ValueError(f"at most {MAX_AUTOMATIC_BATCH} reports in one batch")
    categories = {c.code: c for c in Category.objects.filter(is_active=True)}
    severities = set(Severity.values)
    seen: set[str] = set()
    for n, item in enumerate(items):
        key = item.get("key") or ""
        problem = (
            "key: 1–120 characters"
            if not key or len(key) > 120
            else f"unknown category {item.get('category')!r}"
            if item.get("category") not in categories
            else f"unknown severity {item.get('severity')!r}"
            if item.get("severity") not in severities
            else "unit: a Unit"
            if getattr(item.get("unit"), "pk", None) is None
            else "occurred_at: an aware datetime not in the future"
            if not item.get("occurred_at")
            or timezone.is_naive(item["occurred_at"])
            or item["occurred_at"] > now
            else "description: required"
            if not (item.get("description") or "").strip()
            else ""
        )
        if problem:
            raise ValueError(f"item {n}: {problem}")
        if key in seen:
            raise ValueError(f"item {n}: key {key!r} repeats in the batch")
        seen.add(key)
    filed_keys = set(
        Report.objects.filter(source_key__any_of=sorted(seen)).values_list("source_key", flat=True)
    )
    fresh = [item for item in items if item["key"] not in filed_keys]
    if not fresh:
        return []
    with transaction.atomic(), batched_events():
        reports = Report.objects.bulk_create(
            [
                Report(
                    category=categories[item["category"]],
                    severity=item["severity"],
                    unit=item["unit"],
                    occurred_at=item["occurred_at"],
                    place=(item.get("place") or "").strip()[:200],
                    description=item["description"].strip(),
                    filed_at=now,
                    source=source,
                    source_key=item["key"],
                )
                for item in fresh
            ],
            batch_size=2000,
        )
        if reports and reports[0].pk is None:  # a backend that cannot return bulk ids
            ids = dict(
                Report.objects.filter(
                    source_key__any_of=[r.source_key for r in reports]
                ).values_list("source_key", "pk")
            )
            for report in reports:
                report.pk = ids[report.source_key]
        rows_insert(
            Report.students.through,
            [
                {"report_id": report.pk, "student_id": student.pk}
                for report, item in zip(reports, fresh, strict=True)
                for student in item.get("students") or ()
            ],
        )
        for report, item in zip(reports, fresh, strict=True):
            event_record(
                actor=None,
                subject=report,
                verb="report.filed",
                at=now,
                data={
                    "category": report.category.code,
                    "severity": report.severity,
                    "unit": item["unit"].code,
                    "occurred_at": report.occurred_at.isoformat(),
                    "place": report.place,
                    "people_count": None,
                    "students": [s.student_no for s in item.get("students") or ()],
                    "units_involved": [],
                    "attachments": [],
                    "via": f"rule:{source}",
                    "key": report.source_key,
                },
            )
        rows_insert(
            Deadline,
            [
                {
                    "kind": route.REPORT_ROUTE,
                    "subject_type": route.SUBJECT,
                    "subject_id": str(report.pk),
                    "fence": 0,
                    "due_at": now,
                    "created_at": now,
                }
                for report in reports
            ],
        )
    return reports


def report_resolve_automatic(*, report: Report, note: str, source: str, now=None) -> bool:
    """The rule that raised a report saw it answered (已返校 23:12，门禁): the note is appended as
    an update by the system. If nobody had acted yet (no acknowledgement), the report is
    resolved on the record — route deadlines and pending deliveries stopped, `report.resolved`
    recorded — and True is returned; it is never deleted. After someone acted, the note only
    informs them (False)."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note or len(note) > 200:
        raise ValueError("note: 1–200 characters")
    with transaction.atomic(), batched_events():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.source != source:
            raise PermissionDenied("only the rule that raised a report resolves it")
        if report.resolved_at is not None:
            return False
        ReportUpdate.objects.create(report=report, author=None, text=note, at=now)
        event_record(
            actor=None,
            subject=report,
            verb="report.updated",
            at=now,
            data={"text": note, "via": f"rule:{source}"},
        )
        if report.ack_state == Report.AckState.ACKNOWLEDGED:
            return False
        report.resolved_at, report.resolution = now, note
        report.save(update_fields=["resolved_at", "resolution"])
        route.route_stop(report=report, now=now, outcome="resolved")
        event_record(
            actor=None,
            subject=report,
            verb="report.resolved",
            at=now,
            data={"resolution": note, "via": f"rule:{source}"},
        )
    return True

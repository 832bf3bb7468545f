"""Writes to policies, the duty roster and the holiday calendar: permission, change and timeline
event in one transaction. Reports already filed keep their frozen route (reports.route copies
the steps onto the report), so editing a policy only affects reports filed afterwards. And the
engine's public writes for other apps: scheduling and cancelling their deadlines."""

import datetime

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shouwang import bounds
from shouwang.audit.services import event_record, rows_insert
from shouwang.sheets import Invalid
from shouwang.sheets import phone as clean_phone

from . import kinds
from .duty_import import duty_roster_import  # noqa: F401  (a service; lives apart for its size)
from .levels import Severity
from .models import Deadline, DutyShift, EscalationPolicy, Holiday
from .permissions import can_edit_holidays, can_edit_policies, can_edit_roster, duty_eligible
from .policies import validate_steps

__all__ = [
    "deadlines_schedule",
    "deadlines_cancel",
    "duty_roster_import",
    "duty_shift_add",
    "duty_shift_remove",
    "holiday_add",
    "holiday_remove",
    "parse_steps",
    "policy_create",
    "policy_update",
]


def parse_steps(text: str):
    """YAML (or JSON, which is YAML) → steps, with an error naming the line."""
    try:
        return bounds.yaml_load_bounded(text or "")
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _("line %(line)d") % {"line": mark.line + 1} if mark else ""
        raise ValidationError(
            _("The steps are not valid YAML %(where)s.") % {"where": where}
        ) from None


# ---- deadlines (for the apps that own their subjects) -------------------------------------


def deadlines_schedule(*, deadlines: list[dict], now) -> None:
    """Put obligations on the engine: one Deadline row each, {kind, subject_type, subject_id,
    due_at, fence (default 0)}, acted on by the handler registered for its kind (kinds.py).
    Call it in the transaction that creates the obligations, so they commit together. One per
    kind, subject and fence (a unique constraint)."""
    rows = []
    for d in deadlines:
        if d["kind"] not in kinds.BATCHES and d["kind"] not in kinds.ROWS:
            raise ValueError(f"no handler is registered for deadline kind {d['kind']!r}")
        rows.append(
            {
                "kind": d["kind"],
                "subject_type": d["subject_type"],
                "subject_id": str(d["subject_id"]),
                "fence": d.get("fence", 0),
                "due_at": d["due_at"],
                "created_at": now,
            }
        )
    rows_insert(Deadline, rows)


def deadlines_cancel(*, subject_type: str, subject_id, now, outcome: str, kinds_in=None) -> int:
    """Cancel a subject's open deadlines (all of them, or those of `kinds_in`): the obligation
    was met or no longer stands. Returns how many."""
    rows = Deadline.objects.filter(
        subject_type=subject_type, subject_id=str(subject_id), state=Deadline.State.OPEN
    )
    if kinds_in is not None:
        rows = rows.filter(kind__in=list(kinds_in))
    return rows.update(state=Deadline.State.CANCELLED, done_at=now, outcome=outcome)


# ---- policies ------------------------------------------------------------------------------


def _snapshot(policy):
    return {
        "name": policy.name,
        "steps": policy.steps,
        "start_step": policy.start_step,
        "is_active": policy.is_active,
        "version": policy.version,
    }


def _match_label(category, severity):
    cat = category.name if category else _("any category")
    sev = str(dict(Severity.choices).get(severity, severity)) if severity else _("any severity")
    return f"{cat} × {sev}"


def _check_unique(*, name, category, severity, is_active, exclude_pk=None):
    """The constraints' questions asked first, so the office reads a sentence, not an
    IntegrityError."""
    others = EscalationPolicy.objects.exclude(pk=exclude_pk)
    if others.filter(name=name).exists():
        raise ValidationError(_("A policy named %(name)s already exists.") % {"name": name})
    if is_active:
        clash = others.filter(category=category, severity=severity, is_active=True).first()
        if clash is not None:
            raise ValidationError(
                _(
                    "Policy %(other)s is already active for %(match)s: "
                    "deactivate it first, or edit it instead."
                )
                % {"other": clash.name, "match": _match_label(category, severity)}
            )


def _save(policy, **kwargs):
    # A concurrent save can still pass the checks above; the savepoint keeps the outer
    # transaction usable and the office still reads a sentence.
    try:
        with transaction.atomic():
            policy.save(**kwargs)
    except IntegrityError:
        raise ValidationError(
            _("Another policy for %(match)s was saved at the same time; reload and try again.")
            % {"match": _match_label(policy.category, policy.severity)}
        ) from None


def _clean_name(name):
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Name the policy."))
    if len(name) > 100:
        raise ValidationError(_("The name may have at most 100 characters."))
    return name


@transaction.atomic
def policy_create(
    *,
    actor,
    name: str,
    category=None,
    severity: str = "",
    steps,
    start_step: int = 0,
    is_active: bool = True,
) -> EscalationPolicy:
    """category: a reports.Category or None (any); severity: a Severity value or "" (any)."""
    if not can_edit_policies(actor):
        raise PermissionDenied
    name = _clean_name(name)
    if severity and severity not in Severity.values:
        raise ValidationError(_("Unknown severity %(severity)s.") % {"severity": severity})
    validate_steps(steps, start_step)
    _check_unique(name=name, category=category, severity=severity, is_active=is_active)
    policy = EscalationPolicy(
        name=name,
        category=category,
        severity=severity or "",
        steps=steps,
        start_step=start_step,
        is_active=is_active,
    )
    _save(policy)
    event_record(
        actor=actor,
        subject=policy,
        verb="policy.created",
        data={
            "category": category.code if category else None,
            "severity": severity or None,
            "after": _snapshot(policy),
        },
    )
    return policy


@transaction.atomic
def policy_update(
    *,
    actor,
    policy: EscalationPolicy,
    steps,
    start_step: int,
    name: str | None = None,
    is_active: bool | None = None,
) -> EscalationPolicy:
    """Change a policy's steps (and optionally its name or whether it is active). The version
    goes up by one on every real change; saving an unchanged policy writes nothing."""
    if not can_edit_policies(actor):
        raise PermissionDenied
    validate_steps(steps, start_step)
    policy = EscalationPolicy.objects.select_for_update().get(pk=policy.pk)
    name = policy.name if name is None else _clean_name(name)
    is_active = policy.is_active if is_active is None else bool(is_active)
    if not is_active and policy.is_active and policy.category_id is None and not policy.severity:
        # policy_for falls back to it: without it, a report matching nothing else cannot be routed.
        raise ValidationError(
            _(
                "The default policy (any category, any severity) cannot be deactivated: "
                "reports that match no other policy follow it."
            )
        )
    before = _snapshot(policy)
    if (steps, start_step, name, is_active) == (
        policy.steps,
        policy.start_step,
        policy.name,
        policy.is_active,
    ):
        return policy
    _check_unique(
        name=name,
        category=policy.category,
        severity=policy.severity,
        is_active=is_active,
        exclude_pk=policy.pk,
    )
    policy.steps, policy.start_step, policy.name, policy.is_active = (
        steps,
        start_step,
        name,
        is_active,
    )
    policy.version += 1
    _save(
        policy, update_fields=["steps", "start_step", "name", "is_active", "version", "updated_at"]
    )
    event_record(
        actor=actor,
        subject=policy,
        verb="policy.changed",
        data={"before": before, "after": _snapshot(policy)},
    )
    return policy


# ---- duty roster ---------------------------------------------------------------------------


def _clean_shift_phone(phone):
    try:
        return clean_phone(phone or "")
    except Invalid as exc:
        raise ValidationError(str(exc)) from None


@transaction.atomic
def duty_shift_add(*, actor, unit, date: datetime.date, person, phone: str = "") -> DutyShift:
    if not can_edit_roster(actor, unit):
        raise PermissionDenied
    if not unit.is_active:
        raise ValidationError(_("%(unit)s is no longer active.") % {"unit": unit.name})
    if not person.is_active or not duty_eligible(person, unit):
        raise ValidationError(
            _("%(no)s is not a staff member of this unit or a duty officer above it.")
            % {"no": person.staff_no or person.username}
        )
    phone = _clean_shift_phone(phone)
    if DutyShift.objects.filter(unit=unit, date=date, person=person).exists():
        raise ValidationError(
            _("%(person)s is already on duty for %(unit)s on %(date)s.")
            % {"person": person.display_name, "unit": unit.name, "date": date}
        )
    try:
        with transaction.atomic():
            shift = DutyShift.objects.create(unit=unit, date=date, person=person, phone=phone)
    except IntegrityError:  # the same shift added a moment ago in another request
        raise ValidationError(
            _("%(person)s is already on duty for %(unit)s on %(date)s.")
            % {"person": person.display_name, "unit": unit.name, "date": date}
        ) from None
    event_record(
        actor=actor,
        subject=shift,
        verb="duty.added",
        data={
            "unit": unit.code,
            "date": date.isoformat(),
            "person": person.pk,
            "staff_no": person.staff_no,
            "phone": phone,
        },
    )
    return shift


@transaction.atomic
def duty_shift_remove(*, actor, shift: DutyShift):
    if not can_edit_roster(actor, shift.unit):
        raise PermissionDenied
    # The event keeps what the row said: after the delete it is the only record of the shift.
    event_record(
        actor=actor,
        subject=shift,
        verb="duty.removed",
        data={
            "unit": shift.unit.code,
            "date": shift.date.isoformat(),
            "person": shift.person_id,
            "staff_no": shift.person.staff_no,
            "phone": shift.phone,
        },
    )
    shift.delete()


# ---- holidays ------------------------------------------------------------------------------


@transaction.atomic
def holiday_add(*, actor, date: datetime.date, name: str) -> Holiday:
    if not can_edit_holidays(actor):
        raise PermissionDenied
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("Name the holiday."))
    if len(name) > 50:
        raise ValidationError(_("The name may have at most 50 characters."))
    if Holiday.objects.filter(date=date).exists():
        raise ValidationError(_("%(date)s is already a holiday.") % {"date": date})
    try:
        with transaction.atomic():
            holiday = Holiday.objects.create(date=date, name=name)
    except IntegrityError:
        raise ValidationError(_("%(date)s is already a holiday.") % {"date": date}) from None
    event_record(
        actor=actor,
        subject=holiday,
        verb="holiday.added",
        data={"date": date.isoformat(), "name": name},
    )
    return holiday


@transaction.atomic
def holiday_remove(*, actor, holiday: Holiday):
    if not can_edit_holidays(actor):
        raise PermissionDenied
    event_record(
        actor=actor,
        subject=holiday,
        verb="holiday.removed",
        data={"date": holiday.date.isoformat(), "name": holiday.name},
    )
    holiday.delete()

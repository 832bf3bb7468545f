"""Writes to policies, the duty roster and the holiday calendar: permission, change and timeline
event in one transaction. Reports already filed keep their frozen route."""

import datetime

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.org.models import Post
from shouwang.org.permissions import can_manage_org

from .models import DutyShift, EscalationPolicy, Holiday
from .policies import validate_steps

DUTY_EDITOR_RANK = 60  # deputy secretary and above edit the roster of their own units


def parse_steps(text: str):
    """YAML (or JSON, which is YAML) → steps, with a Chinese error naming the line."""
    try:
        return yaml.safe_load(text or "")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = _("line %(line)d") % {"line": mark.line + 1} if mark else ""
        raise ValidationError(_("The steps are not valid YAML %(where)s.") % {"where": where}) from None


@transaction.atomic
def policy_update(*, actor, policy: EscalationPolicy, steps, start_step: int) -> EscalationPolicy:
    if not can_manage_org(actor):
        raise PermissionDenied
    validate_steps(steps, start_step)
    policy = EscalationPolicy.objects.select_for_update().get(pk=policy.pk)
    before = {"steps": policy.steps, "start_step": policy.start_step, "version": policy.version}
    policy.steps, policy.start_step, policy.version = steps, start_step, policy.version + 1
    policy.save(update_fields=["steps", "start_step", "version", "updated_at"])
    event_record(actor=actor, subject=policy, verb="policy.changed", data={
        "before": before, "after": {"steps": steps, "start_step": start_step, "version": policy.version},
    })
    return policy


def can_edit_roster(actor, unit) -> bool:
    if can_manage_org(actor):
        return True
    return Post.objects.current().filter(person=actor, role__rank__gte=DUTY_EDITOR_RANK).filter(
        unit__path__in=_ancestor_paths(unit.path)).exists()


def _ancestor_paths(path):
    codes = path.strip("/").split("/")
    return ["/" + "/".join(codes[:i]) + "/" for i in range(1, len(codes) + 1)]


@transaction.atomic
def duty_shift_add(*, actor, unit, date: datetime.date, person, phone: str = "") -> DutyShift:
    if not can_edit_roster(actor, unit):
        raise PermissionDenied
    if DutyShift.objects.filter(unit=unit, date=date, person=person).exists():
        raise ValidationError(_("%(person)s is already on duty for %(unit)s on %(date)s.")
                              % {"person": person.display_name, "unit": unit.name, "date": date})
    shift = DutyShift.objects.create(unit=unit, date=date, person=person, phone=phone)
    event_record(actor=actor, subject=shift, verb="duty.added",
                 data={"unit": unit.code, "date": date.isoformat(), "person": person.pk})
    return shift


@transaction.atomic
def duty_shift_remove(*, actor, shift: DutyShift):
    if not can_edit_roster(actor, shift.unit):
        raise PermissionDenied
    event_record(actor=actor, subject=shift, verb="duty.removed",
                 data={"unit": shift.unit.code, "date": shift.date.isoformat(), "person": shift.person_id})
    shift.delete()


@transaction.atomic
def holiday_add(*, actor, date: datetime.date, name: str) -> Holiday:
    if not can_manage_org(actor):
        raise PermissionDenied
    if not (name or "").strip():
        raise ValidationError(_("Name the holiday."))
    if Holiday.objects.filter(date=date).exists():
        raise ValidationError(_("%(date)s is already a holiday.") % {"date": date})
    holiday = Holiday.objects.create(date=date, name=name.strip())
    event_record(actor=actor, subject=holiday, verb="holiday.added", data={"date": date.isoformat(), "name": holiday.name})
    return holiday


@transaction.atomic
def holiday_remove(*, actor, holiday: Holiday):
    if not can_manage_org(actor):
        raise PermissionDenied
    event_record(actor=actor, subject=holiday, verb="holiday.removed", data={"date": holiday.date.isoformat()})
    holiday.delete()

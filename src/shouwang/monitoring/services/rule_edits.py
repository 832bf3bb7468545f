"""The rules' settings, edited by 学生处: `rule_errors` (every problem, writing nothing),
`rule_save` (its next run planned on the engine at once), `rules_install_defaults`, and
`parse_cutoff`. (The rules' runs are `monitoring/rules.py`.)"""

import datetime
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.escalation.levels import Severity
from shouwang.org.models import Unit
from shouwang.reports.models import Category

from .. import permissions, rules
from ..models import Rule
from .common import _now

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_cutoff(value) -> datetime.time | None:
    if isinstance(value, datetime.time):
        return value
    match = _TIME.match((value or "").strip())
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    return datetime.time(hour, minute)


def _share(value) -> int | None:
    try:
        share = int(value)
    except (TypeError, ValueError):
        return None
    return share if 0 <= share <= 100 else None


def rule_errors(
    *, kind, name, category, severity, cutoff, hours, building, hold_share=rules.HOLD_SHARE
) -> dict:
    errors = {}
    if kind not in Rule.Kind.values:
        errors["kind"] = [_("Choose night absence or missing.")]
    if not (name or "").strip() or len(name) > 60:
        errors["name"] = [_("Give the rule a name (at most 60 characters).")]
    if not Category.objects.filter(code=category, is_active=True).exists():
        errors["category"] = [
            _("Unknown report category %(code)s: choose one from the list.") % {"code": category}
        ]
    if severity not in Severity.values:
        errors["severity"] = [_("Choose a severity: general, larger, major or especially major.")]
    if kind == Rule.Kind.NIGHT_ABSENCE:
        if parse_cutoff(cutoff) is None:
            errors["cutoff"] = [
                _("%(value)s is not a time of day: write it as 22:30 (00:00 to 23:59).")
                % {"value": cutoff or "—"}
            ]
        if building is not None and building.kind != Unit.Kind.DORM_BUILDING:
            errors["building"] = [_("Choose a dormitory building.")]
        if _share(hold_share) is None:
            errors["hold_share"] = [
                _("The share that holds a building: a whole number from 0 (never) to 100.")
            ]
    if kind == Rule.Kind.MISSING:
        try:
            ok = hours is not None and 1 <= int(hours) <= 168
        except (TypeError, ValueError):
            ok = False
        if not ok:
            errors["hours"] = [_("Hours without a trace: a whole number from 1 to 168.")]
    return errors


def rule_save(
    *,
    actor,
    kind: str,
    name: str,
    category: str,
    severity: str,
    cutoff=None,
    hours=None,
    building: Unit | None = None,
    hold_share=rules.HOLD_SHARE,
    is_active: bool = True,
    rule: Rule | None = None,
    now=None,
) -> Rule:
    """Create or change a rule (学生处); its next run is planned on the engine at once."""
    now = _now(now)
    if actor is not None and not permissions.can_edit_rules(actor):
        raise PermissionDenied(_("Only 学生处 edits the monitoring rules."))
    if rule is not None:
        kind = rule.kind
    errors = rule_errors(
        kind=kind,
        name=name,
        category=category,
        severity=severity,
        cutoff=cutoff,
        hours=hours,
        building=building,
        hold_share=hold_share,
    )
    if not errors and is_active:
        twin = Rule.objects.filter(
            kind=kind,
            is_active=True,
            building=building if kind == Rule.Kind.NIGHT_ABSENCE else None,
        )
        if rule is not None and rule.pk:
            twin = twin.exclude(pk=rule.pk)
        if twin.exists():
            errors["building"] = [
                _("An active rule of this kind already covers this building (or the school).")
            ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if rule is None:
            rule = Rule(kind=kind)
        else:
            rule = Rule.objects.select_for_update().order_by("pk").get(pk=rule.pk)
            rule.version += 1
        rule.name, rule.category, rule.severity, rule.is_active = (
            name.strip(),
            category,
            severity,
            is_active,
        )
        rule.cutoff = parse_cutoff(cutoff) if kind == Rule.Kind.NIGHT_ABSENCE else None
        rule.hours = int(hours) if kind == Rule.Kind.MISSING else None
        rule.building = building if kind == Rule.Kind.NIGHT_ABSENCE else None
        if kind == Rule.Kind.NIGHT_ABSENCE:
            rule.hold_share = _share(hold_share) or 0  # checked above: 0–100
        created = rule.pk is None
        rule.save()
        rules.rule_schedule(rule, now=now)
        event_record(
            actor=actor,
            subject=rule,
            verb="monitoring.rule_created" if created else "monitoring.rule_changed",
            at=now,
            data={
                "kind": kind,
                "name": rule.name,
                "category": category,
                "severity": severity,
                "cutoff": rule.cutoff.strftime("%H:%M") if rule.cutoff else None,
                "hours": rule.hours,
                "building": rule.building.code if rule.building else None,
                "hold_share": rule.hold_share if kind == Rule.Kind.NIGHT_ABSENCE else None,
                "active": is_active,
                "version": rule.version,
            },
        )
    return rule


def rules_install_defaults(*, actor, now=None) -> list[Rule]:
    """The shipped rules (22:30 night absence, 24 h 失联) when the school has none."""
    if Rule.objects.exists():
        return []
    return [rule_save(actor=actor, now=now, **spec) for spec in rules.DEFAULT_RULES]

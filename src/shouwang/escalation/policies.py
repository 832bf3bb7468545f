"""Escalation policies: validation (names the bad step), shipped defaults, and matching a report."""

from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db.models import Exists, Q
from django.utils.translation import gettext as _

from shouwang.org.import_files import FUNCTIONS
from shouwang.org.models import Role, Unit

from . import categories
from .models import EscalationPolicy, Holiday

POLICIES_FILE = Path(__file__).with_name("policies.yaml")
LEVEL_KINDS = ("dorm_room", "dorm_building", "class", "grade", "college", "school")
MAX_ACK_MINUTES = 7 * 24 * 60


def validate_steps(steps, start_step=0):
    """Raise ValidationError listing every problem, each naming its step (1-based)."""
    errors = []
    if not isinstance(steps, list):
        raise ValidationError(_("The steps must be a list, one item per step."))
    if not steps:
        raise ValidationError(_("A policy needs at least one step."))
    known_roles = set(Role.objects.values_list("code", flat=True))
    functions = office_functions()
    for n, step in enumerate(steps, start=1):
        if not isinstance(step, dict):
            errors.append(
                _("Step %(n)d: must be a mapping with roles, at and ack_minutes.") % {"n": n}
            )
            continue
        unknown_keys = set(step) - {"roles", "at", "ack_minutes"}
        if unknown_keys:
            errors.append(
                _("Step %(n)d: unknown field(s) %(keys)s.")
                % {"n": n, "keys": ", ".join(sorted(unknown_keys))}
            )
        roles = step.get("roles")
        if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
            errors.append(_("Step %(n)d: roles must be a non-empty list of role codes.") % {"n": n})
        else:
            for role in roles:
                if role not in known_roles:
                    errors.append(_("Step %(n)d: unknown role %(role)s.") % {"n": n, "role": role})
        at = step.get("at")
        if not isinstance(at, str) or not (
            at in LEVEL_KINDS or (at.startswith("office:") and len(at) > 7)
        ):
            errors.append(
                _("Step %(n)d: 'at' must be one of %(kinds)s or office:<function>.")
                % {"n": n, "kinds": ", ".join(LEVEL_KINDS)}
            )
        elif at.startswith("office:") and at[7:] not in functions:
            # A typo here would make the step vacant for every report: say so now.
            errors.append(
                _("Step %(n)d: unknown office function %(function)s (known: %(known)s).")
                % {"n": n, "function": at[7:], "known": ", ".join(sorted(functions))}
            )
        minutes = step.get("ack_minutes")
        if (
            not isinstance(minutes, int)
            or isinstance(minutes, bool)
            or not 1 <= minutes <= MAX_ACK_MINUTES
        ):
            errors.append(
                _("Step %(n)d: ack_minutes must be a whole number from 1 to %(max)d.")
                % {"n": n, "max": MAX_ACK_MINUTES}
            )
    if (
        not isinstance(start_step, int)
        or isinstance(start_step, bool)
        or not 0 <= start_step < len(steps)
    ):
        # start_step is stored 0-based; people count steps from 1, as the messages above do.
        errors.append(
            _("The start step must be one of steps 1 to %(count)d.") % {"count": len(steps)}
        )
    if errors:
        raise ValidationError(errors)


def office_functions() -> set[str]:
    """Functions an "office:<function>" step may name: the shipped ones and any a unit has."""
    return set(FUNCTIONS.values()) | set(
        Unit.objects.filter(kind=Unit.Kind.OFFICE)
        .exclude(function="")
        .values_list("function", flat=True)
    )


def default_policies():
    with POLICIES_FILE.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def load_default_policies():
    """Create the shipped policies when there are none (first migrate / fresh school)."""
    if EscalationPolicy.objects.exists():
        return 0
    for spec in default_policies():
        steps = spec["steps"]
        validate_steps(steps, spec.get("start_step", 0))
        category = categories.get(spec["category"]) if spec.get("category") else None
        EscalationPolicy.objects.create(
            name=spec["name"],
            category=category,
            severity=spec.get("severity", ""),
            steps=steps,
            start_step=spec.get("start_step", 0),
        )
    return len(default_policies())


def policy_for(category, severity, *, holiday_on=None):
    """Most specific active policy: category+severity, category, severity, then the default.
    With `holiday_on` (a date) the policy also says, as `is_holiday`, whether that date is in
    the holiday calendar: filing needs both, and asks once."""
    candidates = EscalationPolicy.objects.filter(
        Q(category=category) | Q(category__isnull=True),
        Q(severity=severity) | Q(severity=""),
        is_active=True,
    )
    if holiday_on is not None:
        candidates = candidates.annotate(is_holiday=Exists(Holiday.objects.filter(date=holiday_on)))

    def specificity(p):
        return (p.category_id is not None, p.severity != "")

    found = sorted(candidates, key=specificity, reverse=True)
    return found[0] if found else None

"""Bounds every input shares: plausible times, integers that fit the columns, text lengths.

Depends on Django only, so every app (forms, API schemas, services) can use the same limits.
A time before 2000 is a typo or a probe: 0001-01-01 in Shanghai is 1 BC in UTC, which
PostgreSQL stores but the driver cannot read back (every page listing the row failed).
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
# Filters may look ahead (until=…), but no further than this.
LATEST = datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC)

# Counts (people, dead, injured, quantities): PositiveIntegerField is 32-bit signed on PostgreSQL.
MAX_COUNT = 1_000_000
# An id in a path or a body: BigAutoField.
MAX_ID = 2**63 - 1
# Free text: the longest description, note or update a person may write.
MAX_TEXT = 20_000
# The longest list of student numbers or unit codes in one report.
MAX_LIST = 500


def implausible_time(value: datetime.datetime | None) -> str | None:
    """Why `value` is not a time the school could mean (None if it is plausible)."""
    if value is None:
        return None
    # Compare the wall-clock year first: converting 0001-01-01+14:00 to UTC would overflow.
    if not (EARLIEST.year <= value.year < LATEST.year):
        return _("Enter a time between the year 2000 and 2099.")
    try:
        aware = value if timezone.is_aware(value) else timezone.make_aware(value)
        utc = aware.astimezone(datetime.UTC)
    except (OverflowError, ValueError):
        return _("Enter a time between the year 2000 and 2099.")
    if not (EARLIEST <= utc < LATEST):
        return _("Enter a time between the year 2000 and 2099.")
    return None


def check_time(value):
    """A form/model validator: refuse implausible times."""
    problem = implausible_time(value)
    if problem:
        raise ValidationError(problem, code="implausible_time")


class PlausibleDateTimeField(forms.DateTimeField):
    """A <input type=datetime-local> that refuses years before 2000 and from 2100."""

    default_validators = [check_time]


def check_date(value):
    if value is not None and not (EARLIEST.year <= value.year < LATEST.year):
        raise ValidationError(
            _("Enter a date between the year 2000 and 2099."), code="implausible_date"
        )


class PlausibleDateField(forms.DateField):
    default_validators = [check_date]


# YAML documents (plans, escalation steps) nest a handful of levels; 50,000 overflowed the parser.
MAX_YAML_DEPTH = 40


def yaml_node_too_deep(root, limit: int = MAX_YAML_DEPTH) -> bool:
    """Whether a composed YAML node tree nests deeper than `limit` (walked without recursion)."""
    stack = [(root, 0)] if root is not None else []
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        value = getattr(node, "value", None)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, tuple):  # a mapping's (key, value) pair
                    stack.extend((part, depth + 1) for part in item)
                else:
                    stack.append((item, depth + 1))
    return False


def yaml_load_bounded(text: str):
    """yaml.safe_load, refusing documents nested deeper than MAX_YAML_DEPTH with ValueError."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except RecursionError:
        raise ValueError(_("The document is nested too deeply.")) from None
    if yaml_node_too_deep(root):
        raise ValueError(_("The document is nested too deeply."))
    return yaml.safe_load(text)

"""Cell parsers: a cell as the file holds it (text, or a number or date Excel made of it) → the
value, or `Invalid` saying in the reader's language why not. Each is a `Column.clean`: called
on non-empty cells only (an empty cell is the column's default, or "must not be empty").
"""

import datetime
import decimal
import re
from collections.abc import Callable, Mapping

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

# A mainland mobile (11 digits) or a landline with its area code.
PHONE_RE = r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$"

_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_FLOAT_ZERO = re.compile(r"^(\d+)\.0+$")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")


class Invalid(Exception):
    """One cell's value is wrong; the message says why, in the reader's language."""


def cell_text(value) -> str:
    """Cell → text. Excel stores 学号 and phone numbers typed without a Text format as numbers."""
    if value.__class__ is str:  # most cells, and all of a .csv: the quick way first
        return value.replace("\u3000", " ").replace("\xa0", " ").strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).replace("\u3000", " ").replace("\xa0", " ").strip()


def text(max_length: int) -> Callable:
    def clean(raw):
        value = cell_text(raw)
        if len(value) > max_length:
            raise Invalid(_("At most %(n)d characters.") % {"n": max_length})
        return value

    return clean


def identifier(pattern: str, message: Callable[[], str]) -> Callable:
    """学号, 工号, card numbers and unit codes: text even when Excel made a number of it.
    `message()` is the complaint, with %(value)s; a callable, so it is in the reader's language."""
    regex = re.compile(pattern)

    def clean(raw):
        value = _FLOAT_ZERO.sub(r"\1", cell_text(raw))
        if _SCIENTIFIC.match(value):
            # 2.02401E+09: the digits are gone; only the office can type them again.
            raise Invalid(
                _(
                    "%(value)s was turned into scientific notation by Excel: format the "
                    "column as Text and type the numbers again."
                )
                % {"value": value}
            )
        if not regex.match(value):
            raise Invalid(message() % {"value": value})
        return value

    return clean


def phone(raw) -> str:
    value = _FLOAT_ZERO.sub(r"\1", cell_text(raw))
    compact = re.sub(r"[\s()（）]", "", value).removeprefix("+86")
    if re.fullmatch(r"1[\d-]{10,12}", compact):  # 138-0000-0001 is a mobile written with dashes
        compact = compact.replace("-", "")
    if compact and not re.match(PHONE_RE, compact):
        raise Invalid(_("%(value)s is not a valid phone number.") % {"value": value})
    return compact


def email(raw) -> str:
    value = text(254)(raw)
    try:
        if value:
            validate_email(value)
    except ValidationError:
        raise Invalid(_("%(value)s is not an email address.") % {"value": value}) from None
    return value


def choice(mapping: Mapping, message: Callable[[], str]) -> Callable:
    """One of the words in `mapping` (matched as written, or in lower case) → its value:
    男/女, 在读/休学, or a gate's 进/出 and 1/0."""

    def clean(raw):
        value = cell_text(raw)
        if value not in mapping and value.lower() not in mapping:
            raise Invalid(message())
        return mapping.get(value) or mapping[value.lower()]

    return clean


def date(raw) -> datetime.date:
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    if isinstance(raw, int | float) and 20000 < raw < 80000:  # an Excel serial day number
        return from_excel(raw).date()
    value = cell_text(raw)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            pass
    raise Invalid(_("%(value)s is not a date (use 2024-09-01).") % {"value": value})


def moment(raw) -> datetime.datetime:
    """A date and a time (a gate's 通行时间) → an aware datetime in the school's time zone."""
    if isinstance(raw, datetime.datetime):
        value = raw
    elif isinstance(raw, int | float) and 20000 < raw < 80000:  # Excel serial day and fraction
        value = from_excel(raw)
    else:
        value = _parse_moment(cell_text(raw))
    if timezone.is_aware(value):
        return value.replace(microsecond=0)
    # The gate's clock is the school's (settings.TIME_ZONE), whoever uploads the file.
    return value.replace(microsecond=0, tzinfo=timezone.get_default_timezone())


# 2026-11-24 22:31:05, 2026/11/24 22:31, 2026-11-24T22:31:05.123, 2026年11月24日 22时31分05秒
_MOMENT = re.compile(
    r"(?P<year>\d{4})[-/.年]?(?P<month>\d{1,2})[-/.月]?(?P<day>\d{1,2})日?[ T]+"
    r"(?P<hour>\d{1,2})[:时]?(?P<minute>\d\d)分?(?::?(?P<second>\d\d)(?:\.\d+)?秒?)?"
)


def _parse_moment(value: str) -> datetime.datetime:
    # One regular expression, not strptime over every format: a gate exports 100,000 of these.
    match = _MOMENT.fullmatch(value)
    if match:
        year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
        try:
            return datetime.datetime(year, month, day, hour, minute, second)
        except ValueError:  # 2026-13-01, 25:00
            pass
    raise Invalid(_("%(value)s is not a date and time (use 2024-09-01 08:30).") % {"value": value})


def number(minimum=None, maximum=None, *, whole: bool = False) -> Callable:
    """A score or a grade: a number, optionally whole, within [minimum, maximum]. → int when
    whole, else Decimal (so 89.5 stays 89.5)."""

    def clean(raw):
        value = cell_text(raw)
        try:
            parsed = decimal.Decimal(value.replace(",", ""))
        except decimal.InvalidOperation:
            parsed = None
        if parsed is None or not parsed.is_finite():
            raise Invalid(_("%(value)s is not a number.") % {"value": value})
        if whole and parsed != parsed.to_integral_value():
            raise Invalid(_("%(value)s is not a whole number.") % {"value": value})
        if (minimum is not None and parsed < minimum) or (maximum is not None and parsed > maximum):
            raise Invalid(
                _("%(value)s is out of range (%(min)s to %(max)s).")
                % {
                    "value": value,
                    "min": "…" if minimum is None else minimum,
                    "max": "…" if maximum is None else maximum,
                }
            )
        return int(parsed) if whole else parsed

    return clean

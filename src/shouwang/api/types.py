"""Input types shared by the routers."""

import datetime
import re
from typing import Annotated

from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator, BeforeValidator, Field

from shouwang import bounds


def _to_utc(value: datetime.datetime) -> datetime.datetime:
    """Any offset the client sends (even one PostgreSQL would refuse, like -16:17) becomes UTC;
    a time without an offset is the school's local time. Years before 2000 or from 2100 are
    refused before the conversion (0001-01-01T00:00+14:00 does not exist in UTC)."""
    problem = bounds.implausible_time(value)
    if problem:
        raise ValueError(problem)
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(datetime.UTC)


_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")


def _iso_only(value):
    """pydantic reads a bare number (until=0.5) as seconds since 1970; the document says
    ISO 8601, so a number is refused rather than silently meaning 1970-01-01."""
    if isinstance(value, (int, float)) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError(_("Enter the time as ISO 8601, e.g. 2026-11-24T21:30:00+08:00."))
    return value


# A point in time from a client: stored and compared in UTC.
Instant = Annotated[datetime.datetime, BeforeValidator(_iso_only), AfterValidator(_to_utc)]

# Counts of people or things: never negative, and far below the 32-bit columns they land in.
Count = Annotated[int, Field(ge=0, le=bounds.MAX_COUNT)]
# Free text a person types; names and places are shorter (their model columns' lengths).
Text = Annotated[str, Field(max_length=bounds.MAX_TEXT)]

"""Input types shared by the routers."""

import datetime
from typing import Annotated

from django.utils import timezone
from pydantic import AfterValidator


def _to_utc(value: datetime.datetime) -> datetime.datetime:
    """Any offset the client sends (even one PostgreSQL would refuse, like -16:17) becomes UTC;
    a time without an offset is the school's local time."""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value.astimezone(datetime.UTC)


# A point in time from a client: stored and compared in UTC.
Instant = Annotated[datetime.datetime, AfterValidator(_to_utc)]

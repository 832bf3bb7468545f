"""Nights in the school's time zone. A night is named by the date its evening belongs to: a
gate passage at 01:10 on the 25th belongs to the night of the 24th. A night runs from noon to
noon, so a student back in the afternoon counts as back for that evening's check."""

import datetime

from django.utils import timezone

NOON = datetime.time(12, 0)
MORNING = datetime.time(6, 0)
HALF_DAY = datetime.timedelta(hours=12)  # the night's excuse window ends here (an early train home)


def local_at(day: datetime.date, t: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, t))


def night_of(at: datetime.datetime) -> datetime.date:
    # The school's zone (settings.TIME_ZONE), whoever asks: a gate import asks 100,000 times.
    return (at.astimezone(timezone.get_default_timezone()) - HALF_DAY).date()


def window(night: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[noon of the night's date, noon of the next day)."""
    return local_at(night, NOON), local_at(night + datetime.timedelta(days=1), NOON)


def cutoff_at(night: datetime.date, cutoff: datetime.time) -> datetime.datetime:
    """The cut-off of a night: 22:30 on its date; a cut-off after midnight (00:30) the next day."""
    day = night if cutoff >= NOON else night + datetime.timedelta(days=1)
    return local_at(day, cutoff)


def morning_after(night: datetime.date) -> datetime.datetime:
    return local_at(night + datetime.timedelta(days=1), MORNING)


def next_cutoff(
    cutoff: datetime.time, after: datetime.datetime
) -> tuple[datetime.date, datetime.datetime]:
    """The first (night, cut-off instant) strictly after `after`."""
    night = night_of(after) - datetime.timedelta(days=1)
    while True:
        at = cutoff_at(night, cutoff)
        if at > after:
            return night, at
        night += datetime.timedelta(days=1)

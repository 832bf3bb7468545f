import datetime
import zoneinfo

import pytest

from shouwang.reports.services import report_file

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(hour, minute=0, day=24):
    """A fixed local time on 2026-11-(day): engine tests pass `now` explicitly, never sleep."""
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def file_night_absence(school):
    def _file(now, severity="general", actor=None, **extra):
        return report_file(
            actor=actor or school.admin,
            category="night_absence",
            severity=severity,
            unit="D01-101",
            occurred_at=now - datetime.timedelta(minutes=5),
            place="1号楼101室",
            description="张三22:30查寝未归，电话未接通",
            students=["2024010101"],
            now=now,
            **extra,
        )

    return _file

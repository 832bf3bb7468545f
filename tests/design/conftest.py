"""The design tests use the incident-ready school (tests/incidents/conftest.py: the conftest
school plus 保卫处, 宣传部, 教务处, a school leader and the test plan) and a fixed weekday
afternoon, so routes do not depend on when the suite runs (no night duty step)."""

import datetime
import zoneinfo

import pytest

from tests.incidents.conftest import campus  # noqa: F401  (re-exported as a fixture)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
AFTERNOON = datetime.datetime(2026, 11, 24, 14, 0, tzinfo=SHANGHAI)  # a Tuesday


@pytest.fixture
def afternoon(time_machine):
    """The clock at 2026-11-24 14:00 in Shanghai, ticking from there."""
    time_machine.move_to(AFTERNOON, tick=True)
    return AFTERNOON

"""The studies tests: the conftest school, a controllable clock (times passed in) and a fake
for the reports app's automatic filing, which records what it was asked to file."""

import datetime
import zoneinfo

import pytest

from shouwang.monitoring import hooks as monitoring_hooks
from shouwang.studies import rules

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# A Monday morning, after the night's imports.
NOW = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


class Filed(list):
    """Every call to reports_file_automatic: (source, items)."""

    @property
    def items(self):
        return [i for _source, items in self for i in items]


@pytest.fixture
def filed(monkeypatch):
    calls = Filed()
    monkeypatch.setattr(
        rules, "file_automatic", lambda *, source, items, now: calls.append((source, items))
    )
    return calls


@pytest.fixture
def excuses(monkeypatch):
    """Excuse functions registered for one test only: append fn(ids, start, end) → {id: status}."""
    registered: list = []
    monkeypatch.setattr(monitoring_hooks, "EXCUSES", registered)
    return registered

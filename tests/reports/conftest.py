"""Helpers for report tests (the clock helper and filing follow tests/escalation/conftest.py)."""

import datetime
import zoneinfo

import pytest
from django.test import Client
from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.reports.models import Attachment, Recipient, Report, ReportUpdate
from shouwang.reports.services import report_file

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def at(hour, minute=0, day=24):
    """A fixed local time on 2026-11-(day), for tests that pass `now` explicitly."""
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def login(person):
    client = Client()
    client.force_login(person)
    return client


def snapshot():
    """Everything a failed filing must leave untouched."""
    return (
        Report.objects.count(),
        Event.objects.count(),
        Attachment.objects.count(),
        Recipient.objects.count(),
        ReportUpdate.objects.count(),
    )


@pytest.fixture
def file_report(school):
    """File 夜不归宿 about 张三 in room D01-101 (as the admin unless `actor` is given)."""

    def _file(now=None, **kw):
        now = now or timezone.now()
        return report_file(
            actor=kw.pop("actor", school.admin),
            category=kw.pop("category", "night_absence"),
            severity=kw.pop("severity", "general"),
            unit=kw.pop("unit", "D01-101"),
            occurred_at=now - datetime.timedelta(minutes=5),
            place=kw.pop("place", "1号楼101室"),
            description=kw.pop("description", "未归"),
            students=kw.pop("students", ["2024010101"]),
            now=now,
            **kw,
        )

    return _file

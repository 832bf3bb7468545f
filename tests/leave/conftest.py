"""The conftest school with student accounts (学号 log-ins, the test password) and a fixed
clock: T0 is a Tuesday 10:00 in Shanghai."""

import datetime
import zoneinfo

import pytest

from shouwang.leave.services import leave_apply
from shouwang.org.services import student_accounts_create
from tests.casserver import cas_server_session

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)
H = datetime.timedelta(hours=1)
D = datetime.timedelta(days=1)


@pytest.fixture
def w(school):
    student_accounts_create(actor=school.admin, password=school.password, now=T0)
    for s in (school.zhangsan, school.wangwu, school.lisi):
        s.refresh_from_db()
    return school


def apply(student, *, start=None, days=1, now=T0, **extra):
    start = start or T0 + 2 * H
    facts = {
        "reason": "回家看病",
        "destination": "杭州",
        "emergency_name": "张父",
        "emergency_phone": "13900000001",
    }
    facts.update(extra)
    return leave_apply(
        actor=student.user, start_at=start, end_at=start + days * D, now=now, **facts
    )


@pytest.fixture(scope="session")
def cas_server(tmp_path_factory):
    yield from cas_server_session(tmp_path_factory)


@pytest.fixture
def cas(cas_server, settings):
    """CAS on, pointed at the local CAS server; numbers in employeeNumber (tests/accounts)."""
    settings.CAS_ENABLED = True
    settings.CAS_SERVER_URL = cas_server.url
    settings.CAS_USERNAME_ATTRIBUTE = "employeeNumber"
    return cas_server

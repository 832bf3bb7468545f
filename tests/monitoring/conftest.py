import datetime
import zoneinfo

import pytest

from shouwang.monitoring import hooks
from shouwang.monitoring.services import rule_save
from shouwang.org.models import Student

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NIGHT = datetime.date(2026, 11, 24)  # a Tuesday
AFTERNOON = datetime.datetime(2026, 11, 24, 14, 0, tzinfo=SHANGHAI)
CUTOFF = datetime.datetime(2026, 11, 24, 22, 30, tzinfo=SHANGHAI)
M = datetime.timedelta(minutes=1)


@pytest.fixture
def campus(school):
    """The conftest school plus two more residents of room 102 (no 宿舍长 there, so their
    夜不归宿 goes to the counsellor first): 赵六 and 钱七 of class A (counsellor 张老师)."""
    w = school
    w.zhaoliu = Student.objects.create(
        student_no="2024010104", name="赵六", gender="M", klass=w.class_a, dorm_room=w.r102
    )
    w.qianqi = Student.objects.create(
        student_no="2024010105", name="钱七", gender="M", klass=w.class_a, dorm_room=w.r102
    )
    return w


@pytest.fixture
def night_rule(campus):
    return rule_save(
        actor=campus.chen,
        kind="night_absence",
        name="夜不归宿",
        category="night_absence",
        severity="general",
        cutoff="22:30",
        now=AFTERNOON,
    )


@pytest.fixture
def excuse():
    """Register a fake excuse function: {student pk: status} excused in any window."""
    excused: dict[int, str] = {}

    def fn(ids, start, end):
        return {pk: status for pk, status in excused.items() if pk in ids}

    hooks.EXCUSES.append(fn)
    yield excused
    hooks.EXCUSES.remove(fn)

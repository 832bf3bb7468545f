"""Probe finding: the duty roster accepted any account (a college secretary put a student of
another college on duty, who then received a mental-health report), and "未知工号 X" told which
accounts exist. Only staff of the unit's subtree or a duty officer at or above it may be
rostered."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from shouwang.escalation.models import DutyShift
from shouwang.escalation.services import duty_roster_import, duty_shift_add
from shouwang.org.models import Post, Role, Unit
from tests.escalation.test_duty import csv_bytes
from tests.reports.conftest import login

NOV25 = datetime.date(2026, 11, 25)
NOT_STAFF = "不是本单位的工作人员"


@pytest.fixture
def other_college(school):
    c02 = Unit.objects.create(code="C02", name="外国语学院", kind="college", parent=school.sch)
    student = type(school.liu).objects.create_user(
        username="wu", full_name="吴同学", staff_no="2024020101", phone="13700000001"
    )
    Post.objects.create(
        person=student,
        unit=c02,
        role=Role.objects.get(code="info_officer"),
        since=datetime.date(2024, 9, 1),
    )
    return student


@pytest.mark.parametrize("who", ["2024020101", "2024010103", "T0006"])
def test_the_college_secretary_cannot_roster_students_or_outsiders(school, other_college, who):
    """A student of another college, the college's own dorm head, and 学生处 staff outside it."""
    response = login(school.li).post(
        "/escalation/duty/add/", {"date": "2026-11-25", "unit": "C01", "person": who}
    )
    assert response.status_code == 400 and NOT_STAFF in response.content.decode()
    assert not DutyShift.objects.exists()


def test_the_same_words_whether_or_not_the_account_exists(school, other_college):
    answers = [
        login(school.li)
        .post("/escalation/duty/add/", {"date": "2026-11-25", "unit": "C01", "person": no})
        .content.decode()
        .replace(no, "X")
        for no in ("2024020101", "T9999")
    ]
    assert NOT_STAFF in answers[0] and "未知工号" not in answers[1]
    assert answers[0].count(NOT_STAFF) == answers[1].count(NOT_STAFF)


def test_staff_of_the_subtree_and_duty_officers_above_may_be_rostered(school):
    assert duty_shift_add(
        actor=school.li, unit=school.c01, date=NOV25, person=school.zhang
    )  # class counsellor
    school_duty = type(school.liu).objects.create_user(
        username="duty", full_name="总值班", staff_no="T0100"
    )
    Post.objects.create(
        person=school_duty,
        unit=school.sch,
        role=Role.objects.get(code="duty_officer"),
        since=datetime.date(2024, 9, 1),
    )
    assert duty_shift_add(actor=school.li, unit=school.c01, date=NOV25, person=school_duty)


def test_the_service_refuses_a_student_even_when_called_directly(school, other_college):
    with pytest.raises(ValidationError):
        duty_shift_add(actor=school.chen, unit=school.c01, date=NOV25, person=other_college)


def test_an_import_refuses_a_student_with_the_same_words_as_an_unknown_number(
    school, other_college
):
    result = duty_roster_import(
        actor=school.li,
        filename="r.csv",
        file=csv_bytes(
            [["2026-11-25", "C01", "2024020101", ""], ["2026-11-25", "C01", "T9999", ""]]
        ),
    )
    messages = [e.message for e in result.errors]
    assert len(messages) == 2 and all(NOT_STAFF in m for m in messages)
    assert not DutyShift.objects.exists()


def test_student_cadres_see_no_phone_numbers_on_the_roster_page(school):
    duty_shift_add(
        actor=school.li,
        unit=school.c01,
        date=datetime.date.today(),
        person=school.zhang,
        phone="13800000009",
    )
    assert "13800000009" in login(school.li).get("/escalation/duty/").content.decode()
    Post.objects.create(
        person=school.liu,
        unit=school.class_a,
        role=Role.objects.get(code="info_officer"),
        since=datetime.date(2024, 9, 1),
    )
    assert "13800000009" not in login(school.liu).get("/escalation/duty/").content.decode()

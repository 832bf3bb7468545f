"""A dorm round on a phone: the building's 宿舍楼管理员 checks a floor (three rooms, nine
students), one tap each, in well under a minute; tonight's page counts them."""

import datetime
import time

import pytest
from playwright.sync_api import expect

from shouwang.accounts.models import User
from shouwang.monitoring.models import CheckIn
from shouwang.org.models import Post, Role, Student, Unit

from . import conftest as e2e

pytestmark = pytest.mark.e2e


@pytest.fixture
def floor(school):
    w = school
    manager = User.objects.create_user(
        username="guan", password=w.password, full_name="管阿姨", staff_no="T0100"
    )
    Post.objects.create(
        person=manager,
        unit=w.d01,
        role=Role.objects.get(code="dorm_manager"),
        since=datetime.date(2024, 9, 1),
    )
    students = []
    for r in range(3):
        room = Unit.objects.create(
            code=f"D01-2{r:02d}", name=f"2{r:02d}室", kind="dorm_room", parent=w.d01
        )
        for i in range(3):
            students.append(
                Student.objects.create(
                    student_no=f"20240199{r}{i}",
                    name=f"学生{r}{i}",
                    gender="M",
                    klass=w.class_a,
                    dorm_room=room,
                )
            )
    return students


def test_a_dorm_manager_checks_a_floor_on_a_phone(browser, live_server, school, floor):
    context, page = e2e.open_as(browser, live_server, "guan", school.password, "phone")
    try:
        page.goto("/monitoring/tonight/")
        page.click("#go-rounds")
        expect(page.locator(".round-room")).to_have_count(5)  # 101, 102 and the three new rooms
        started = time.monotonic()
        for s in floor:
            row = page.locator(f"#round-{s.student_no}")
            row.locator("button.mark-present").click()
            expect(page.locator(f"#round-{s.student_no}")).to_have_attribute(
                "data-status", "present"
            )
        elapsed = time.monotonic() - started
        assert elapsed < 60, elapsed
        assert CheckIn.objects.filter(status="present").count() == len(floor)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.goto("/monitoring/tonight/")
        expect(page.locator("#tonight-totals [data-count=present]")).to_have_text(str(len(floor)))
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
    finally:
        context.close()

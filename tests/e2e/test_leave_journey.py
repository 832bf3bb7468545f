"""The leave journey on phones: 张三 signs in with their 学号, applies for leave over a night, the
counsellor approves it from the leave queue, and 张三 sees it approved; the student's account
reaches nothing else; and that night's scan does not report 张三 (李四, with no leave, is)."""

import datetime
import os
import re

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from shouwang.leave.models import Leave
from shouwang.monitoring.rules import scan_night
from shouwang.monitoring.services import rule_save
from shouwang.org.services import student_accounts_create
from shouwang.reports.models import Report

from . import conftest as e2e


def shot(page, name):
    """Into test-artifacts/pages/ when SHOUWANG_E2E_SHOTS is set (to look at)."""
    if os.environ.get("SHOUWANG_E2E_SHOTS"):
        folder = e2e.ARTIFACTS / "pages"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"phone-leave-{name}.png"), full_page=True)


pytestmark = pytest.mark.e2e


def test_student_applies_counsellor_approves(browser, live_server, school):
    student_accounts_create(actor=school.admin, password=school.password)
    student_context, student = e2e.open_as(
        browser, live_server, "2024010101", school.password, "phone"
    )
    expect(student).to_have_url(re.compile(r"/me/$"))
    student.locator("#apply-leave").click()
    # Over the first 22:30 cut-off at least three hours away: from two hours before it to the
    # next morning (under a day: the counsellor alone approves).
    cutoff = timezone.localtime().replace(hour=22, minute=30, second=0, microsecond=0)
    if cutoff < timezone.localtime() + datetime.timedelta(hours=3):
        cutoff += datetime.timedelta(days=1)
    start = cutoff - datetime.timedelta(hours=2)
    student.locator("#id_start_at").fill(start.strftime("%Y-%m-%dT%H:%M"))
    student.locator("#id_end_at").fill(
        (cutoff + datetime.timedelta(hours=10)).strftime("%Y-%m-%dT%H:%M")
    )
    student.locator("#id_reason").fill("医院复查")
    student.locator("#id_destination").fill("市第一人民医院")
    student.locator("#id_emergency_name").fill("张父")
    student.locator("#id_emergency_phone").fill("13900000001")
    shot(student, "form")
    student.locator("#submit-leave").click()
    expect(student.locator("#leave-state")).to_have_text(re.compile("待审批|Waiting"))
    leave = Leave.objects.get()
    assert leave.student == school.zhangsan and leave.step_role == "counsellor"
    # Nothing else is there for a student: the staff pages answer 404.
    assert student.goto("/reports/").status == 404

    counsellor_context, counsellor = e2e.open_as(
        browser, live_server, "zhang", school.password, "phone"
    )
    counsellor.goto("/leave/")
    counsellor.locator("#leave-queue").get_by_role("link", name=re.compile("张三")).click()
    shot(counsellor, "decide")
    counsellor.locator("#approve").click()
    expect(counsellor.locator("#leave-queue-empty")).to_be_visible()
    leave.refresh_from_db()
    assert leave.state == "approved"

    student.goto(f"/me/leave/{leave.pk}/")
    expect(student.locator("#leave-state")).to_have_text(re.compile("已批准|Approved"))
    student.goto("/me/")
    shot(student, "me")
    counsellor_context.close()
    student_context.close()

    # That night, at the cut-off: 张三 is excused by the approved leave, 李四 is reported.
    rule = rule_save(
        actor=school.chen,
        kind="night_absence",
        name="夜不归宿",
        category="night_absence",
        severity="general",
        cutoff="22:30",
    )
    with transaction.atomic():  # as the engine runs it, in the deadline's transaction
        scan_night(rule, night=cutoff.date(), now=cutoff)
    reported = {
        s.student_no
        for r in Report.objects.filter(category__code="night_absence")
        for s in r.students.all()
    }
    assert "2024010201" in reported and "2024010101" not in reported

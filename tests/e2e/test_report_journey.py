"""The early-warning journey in a real browser: a dorm head files 夜不归宿 from a phone, the
counsellor's inbox shows it within 5 s, the counsellor acknowledges, the timeline shows both;
left unacknowledged, it escalates (the test advances the engine's clock) to the college."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shouwang.escalation.sweep import deadline_sweep
from shouwang.reports.models import Report

from . import conftest as e2e
from .conftest import CHROMIUM_ARGS, VIEWPORTS  # noqa: F401

pytestmark = pytest.mark.e2e


def open_as(browser, live_server, school, username, viewport="desktop"):
    return e2e.open_as(browser, live_server, username, school.password, viewport)


def file_night_absence(page):
    page.goto("/reports/new/")
    page.get_by_label("类别").select_option("night_absence")
    page.get_by_label("地点").fill("1号楼101室")
    page.get_by_label("涉及学生").fill("2024010101")
    page.get_by_label("情况描述").fill("22:30查寝，张三未归，电话未接通")
    page.get_by_role("button", name="提交上报").click()
    expect(page.get_by_text("已上报")).to_be_visible()
    return Report.objects.latest("pk")


def test_dorm_head_files_counsellor_acknowledges(
    page, browser, live_server, school, login, viewport
):
    counsellor_context, counsellor = open_as(browser, live_server, school, "zhang")
    badge = counsellor.locator("header .badge")
    expect(badge).to_have_text("")
    login("liu")  # the dorm head, at phone and desktop width
    report = file_night_absence(page)
    assert report.unit.code == "D01-101"
    # The header badge polls every 3 s: the new report must show within 5 s.
    expect(badge).to_have_text("1", timeout=5_000)
    counsellor.goto("/inbox/")
    counsellor.get_by_role("link", name=re.compile(f"#{report.pk}")).first.click()
    counsellor.get_by_label("备注（可选）").fill("已联系，学生在网吧，马上返回")
    counsellor.get_by_role("button", name="确认收到").click()
    expect(counsellor.get_by_text("已确认收到，已记录在案。")).to_be_visible()
    page.goto(f"/reports/{report.pk}/timeline/")
    rows = page.locator("tbody tr")
    expect(rows.filter(has_text="上报").first).to_be_visible()
    expect(rows.filter(has_text="已联系，学生在网吧")).to_be_visible()
    expect(page.locator("#to-ack")).not_to_have_text("尚未确认")
    counsellor_context.close()


def test_unacknowledged_report_escalates_to_the_college(
    page, browser, live_server, school, login, viewport
):
    login("liu")
    report = file_night_absence(page)
    # Nobody acknowledges: move the engine's clock past the counsellor's 30 minutes.
    later = timezone.now() + datetime.timedelta(minutes=31)
    assert deadline_sweep(now=later) == 1
    report.refresh_from_db()
    assert report.current_step == 2
    leader_context, leader = open_as(browser, live_server, school, "li", viewport)
    leader.goto("/inbox/")
    expect(leader.get_by_text("等待您确认")).to_be_visible()
    expect(leader.get_by_role("link", name=re.compile(f"#{report.pk}")).first).to_be_visible()
    leader.goto(f"/reports/{report.pk}/timeline/")
    expect(leader.locator("tbody tr").filter(has_text="超时未确认")).to_be_visible()
    expect(leader.locator("tbody tr").filter(has_text="自动上报上一级")).to_be_visible()
    leader_context.close()

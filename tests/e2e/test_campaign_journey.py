"""The hazard campaign at phone width: 学生处 (陈处长) issues seed 003's checklist (prefilled,
the college ticked) to 计算机学院 and 教务处; the college's deputy secretary (李书记) answers on
her phone with one problem; the board shows who answered, the problem as a corrective action,
and draws its bar chart with no console error (no CSP violation); every page fits the phone."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shouwang.aftermath.models import CorrectiveAction
from shouwang.campaigns.models import Campaign

from ..incidents.conftest import campus  # noqa: F401  (the fixture)
from . import conftest as e2e

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def phone(browser, live_server, campus, username):  # noqa: F811
    context, page = e2e.open_as(browser, live_server, username, campus.password, viewport=PHONE)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def shot(page, name):
    e2e_shot = e2e.os.environ.get("SHOUWANG_E2E_SHOTS")
    if e2e_shot:
        folder = e2e.ARTIFACTS / "pages"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"campaign-{name}.png"), full_page=True)


def test_issue_answer_on_a_phone_and_see_the_board(browser, live_server, campus):  # noqa: F811
    due = timezone.localtime(timezone.now() + datetime.timedelta(days=3))
    ctx, office, office_errors = phone(browser, live_server, campus, "chen")
    office.goto("/campaigns/")
    office.locator("#new-campaign").click()
    expect(office.locator("#c-items")).to_contain_text("特殊困境")
    office.locator("#c-title").fill("秋季风险隐患大排查")
    office.locator("#c-due").fill(due.strftime("%Y-%m-%dT%H:%M"))
    office.locator("#c-units input[value=JWC]").check()
    assert fits(office)
    shot(office, "new")
    with office.expect_navigation():
        office.locator("#campaign-form button[type=submit]").click()
    campaign = Campaign.objects.get()
    assert sorted(campaign.units.values_list("unit__code", flat=True)) == ["C01", "JWC"]

    college_ctx, college, college_errors = phone(browser, live_server, campus, "li")
    college.goto("/campaigns/")
    college.locator("#mine a").first.click()
    items = list(campaign.items.all())
    for item in items:
        college.locator(f"input[name=item_{item.pk}][value=no]").check()
    problem = items[1]  # “三防”建设
    college.locator(f"input[name=item_{problem.pk}][value=yes]").check()
    college.locator(f"#d-{problem.pk}").fill("学院楼监控有2处盲区")
    college.locator(f"#m-{problem.pk}").fill("已报保卫处加装摄像头")
    assert fits(college)
    shot(college, "answer")
    with college.expect_navigation():
        college.locator("#answer-form button[type=submit]").click()
    expect(college.locator("#answers")).to_contain_text("学院楼监控有2处盲区")
    assert not college_errors, college_errors
    college_ctx.close()

    action = CorrectiveAction.objects.get()
    office.goto(f"/campaigns/{campaign.pk}/")
    expect(office.locator("#chart-problems")).to_have_attribute("data-ready", "1")
    expect(office.locator("dd[data-count=answered]")).to_have_text("1")
    expect(office.locator(f"#problems a[href='/aftermath/actions/{action.pk}/']")).to_be_visible()
    assert fits(office)
    shot(office, "board")
    assert not office_errors, office_errors
    ctx.close()

"""Pages a reviewer found unusable at phone width (390 × 844, an iPhone 12–15): nothing may
push the page sideways, and text columns keep room for their text."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shouwang.incidents.services import incident_activate
from shouwang.plans.models import Plan
from shouwang.reports.services import report_file, report_verify

from ..incidents.conftest import campus  # noqa: F401  (the fixture)
from . import conftest as e2e

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    """log_in(username) → a page at 390 × 844, logged in."""
    contexts = []

    def log_in(username, password):
        context, page = e2e.open_as(browser, live_server, username, password, PHONE)
        contexts.append(context)
        return page

    yield log_in
    for context in contexts:
        context.close()


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def test_incident_board_fits_a_phone(phone, campus):  # noqa: F811
    # The shipped exam plan: thirty tasks, some with long titles.
    now = timezone.now()
    report = report_file(
        actor=campus.zhang,
        category="exam_security",
        severity="critical",
        unit=campus.class_a.code,
        occurred_at=now - datetime.timedelta(minutes=3),
        place="印刷厂",
        description="期末试卷在印制环节疑似泄露",
        now=now,
    )
    report_verify(actor=campus.chen, report=report, verdict="true", note="已核实", now=now)
    report.refresh_from_db()
    incident = incident_activate(
        actor=campus.chen,
        plan=Plan.objects.get(code="exam_security"),
        level="I",
        unit=campus.class_a,
        event_type="leak_printing",
        report=report,
        now=now,
    )
    page = phone("chen", campus.password)
    page.goto(f"/incidents/{incident.pk}/")
    expect(page.locator("#tasks")).to_contain_text("保护现场")
    assert page_width(page) <= 390
    # Every task's 完成 button is on the screen, not scrolled off to the right.
    buttons = page.locator("#tasks button")
    assert buttons.count() > 5
    for i in range(buttons.count()):
        box = buttons.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390


def test_policy_list_and_policy_page_are_readable_on_a_phone(phone, school):
    page = phone("zhang", school.password)
    page.goto("/escalation/policies/")
    assert page_width(page) <= 390
    steps = page.locator("td.steps").first
    expect(steps).to_contain_text("宿舍长@宿舍")
    assert steps.bounding_box()["width"] >= 250  # was ~45 px: one character a line
    # A step reads on one line, not a character per line.
    line = page.locator("td.steps li").first.bounding_box()
    assert line["height"] < 40
    page.locator("#policies a").first.click()
    expect(page.locator("ol.steps").first).to_be_visible()
    assert page_width(page) <= 390


def test_notification_rules_have_labelled_usable_fields(phone, school):
    page = phone("zhang", school.password)
    page.goto("/notify/rules/")
    assert page_width(page) <= 390
    minutes = page.locator("#wait_0")
    assert minutes.bounding_box()["width"] >= 80  # was ~21 px
    expect(page.locator('label[for="wait_0"]')).to_be_visible()
    expect(page.locator('label[for="channel_0"]')).to_be_visible()
    # Only the inbox, saved and shown as chosen.
    for i in range(5):
        page.locator(f"#channel_{i}").select_option("")
    page.locator("#rules-form button[type=submit]").first.click()
    expect(page.locator("#inbox-only")).to_be_visible()
    expect(page.locator("#channel_0")).to_have_value("")


def test_a_failed_duty_shift_says_so_on_screen_and_the_language_switch_still_works(phone, school):
    page = phone("chen", school.password)
    page.goto("/escalation/duty/")
    form = page.locator("form[action$='/duty/add/']")
    form.get_by_label("单位代码").fill("D01")
    form.get_by_label("工号或用户名").fill("sun")
    form.get_by_label("值班电话").fill("abc")
    form.get_by_role("button", name="添加").click()
    page.wait_for_url(re.compile(r"/duty/add/$"))
    banner = page.locator(".messages li.error")
    expect(banner).to_have_text("未保存：请修正下列错误。")
    assert banner.bounding_box()["y"] < PHONE["height"]  # on the first screen, where the page opens
    assert page_width(page) <= 390
    # After the failed POST the switch goes back to the roster, not to the POST-only URL (a 405).
    e2e.open_menu(page)
    page.locator("form.lang select").select_option("en")
    page.locator("form.lang button").click()
    page.wait_for_url(re.compile(r"/escalation/duty/$"))
    expect(page.get_by_role("heading", name="Duty roster")).to_be_visible()


def test_opening_a_post_only_address_shows_a_page_not_a_browser_error(phone, school):
    page = phone("chen", school.password)
    response = page.goto("/escalation/duty/add/")
    assert response.status == 405
    expect(page.locator("#not-allowed")).to_be_visible()
    expect(page.get_by_role("link", name="返回首页")).to_be_visible()
    assert page_width(page) <= 390


def narrow_cells(page):
    """Table cells with text that are narrower than two characters of their own font (a head
    hidden for screen readers only, as cards have, is not on the screen)."""
    return page.evaluate("""() => [...document.querySelectorAll('td, th')].filter(c => {
        const head = c.closest('thead');
        if (head && head.getBoundingClientRect().width <= 1) return false;
        const r = c.getBoundingClientRect(), s = getComputedStyle(c);
        const padding = parseFloat(s.paddingLeft) + parseFloat(s.paddingRight);
        return r.width > 0 && c.textContent.trim() \
&& r.width - padding < 2 * parseFloat(s.fontSize);
    }).map(c => c.textContent.trim().slice(0, 20))""")


def test_the_phone_header_is_one_row_and_the_rest_opens_from_the_menu(phone, school):
    page = phone("zhang", school.password)
    header = page.locator("header.site")
    assert header.bounding_box()["height"] <= 64  # was 252 px: 12 buttons on five rows
    daily = page.get_by_role("navigation", name="主菜单")
    for name in ("首页", "收件箱", "上报预警", "我的"):
        expect(daily.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(header.get_by_role("link", name="应急事件")).to_be_hidden()
    assert page_width(page) <= 390
    page.get_by_role("button", name="菜单").click()
    expect(
        page.get_by_role("navigation", name="更多页面").get_by_role("link", name="应急事件")
    ).to_be_visible()
    expect(page.locator("form.lang select")).to_be_visible()
    assert page_width(page) <= 390
    page.get_by_role("link", name="应急事件").click()
    page.wait_for_url(re.compile(r"/incidents/$"))
    assert page.locator("header.site").bounding_box()["height"] <= 64


def test_the_desktop_header_keeps_the_full_navigation(browser, live_server, school):
    context, page = e2e.open_as(
        browser, live_server, "zhang", school.password, {"width": 1366, "height": 800}
    )
    try:
        header = page.locator("header.site")
        for name in (
            "首页",
            "收件箱",
            "上报预警",
            "我的通知方式",
            "应急事件",
            "值班表",
            "组织架构",
            "学生",
        ):
            expect(header.get_by_role("link", name=name, exact=True)).to_be_visible()
        expect(header.get_by_role("button", name="菜单")).to_be_hidden()
        assert header.bounding_box()["height"] <= 64
    finally:
        context.close()


def test_the_report_timeline_is_cards_on_a_phone(phone, school):
    now = timezone.now()
    report = report_file(
        actor=school.admin,
        category="night_absence",
        severity="general",
        unit="D01-101",
        occurred_at=now - datetime.timedelta(minutes=5),
        place="1号楼101室",
        description="未归",
        students=["2024010101"],
        now=now,
    )
    report_verify(
        actor=school.li, report=report, verdict="true", note="电话核实，学生在校外网吧通宵", now=now
    )
    page = phone("li", school.password)
    page.goto(f"/reports/{report.pk}/timeline/")
    expect(page.locator("#timeline tr[data-verb='report.verified']")).to_contain_text("电话核实")
    assert page_width(page) <= 390
    assert narrow_cells(page) == []  # 详情 was about 8 px wide: one character a line
    assert page.locator("header.site").bounding_box()["height"] <= 64


def test_the_roster_week_fits_1366_px_and_offers_remove_on_the_shift_pointed_at(
    browser, live_server, school
):
    from shouwang.escalation.services import duty_shift_add
    from shouwang.org.models import Post, Role

    # Only staff of a unit or a duty officer at or above it may be rostered: 孙老师 on school duty.
    Post.objects.create(
        person=school.sun,
        unit=school.sch,
        role=Role.objects.get(code="duty_officer"),
        since=datetime.date(2024, 9, 1),
    )
    start = timezone.localdate() - datetime.timedelta(days=timezone.localdate().weekday())
    for unit in (school.sch, school.c01, school.d01):
        for day in range(7):
            duty_shift_add(
                actor=school.admin,
                unit=unit,
                date=start + datetime.timedelta(days=day),
                person=school.sun,
                phone="13800000009",
            )
    context, page = e2e.open_as(
        browser, live_server, "admin", school.password, {"width": 1366, "height": 800}
    )
    try:
        page.goto("/escalation/duty/")
        grid = page.locator("#roster-week")
        expect(grid).to_contain_text("13800000009")
        wrap = page.locator(".table-wrap", has=grid)
        assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth"), (
            "the week scrolls sideways at 1366 px"
        )
        assert narrow_cells(page) == []
        shift = grid.locator(".shift").first
        remove = shift.locator("form.remove button")
        expect(remove).to_be_hidden()  # not 21 删除 buttons at once
        expect(grid.locator("form.remove button:visible")).to_have_count(0)
        shift.hover()
        expect(remove).to_be_visible()
        page.mouse.move(0, 0)
        shift.focus()  # by keyboard (or a tap) too
        expect(remove).to_be_visible()
    finally:
        context.close()


def test_no_table_column_is_narrower_than_two_characters_on_a_phone(phone, campus):  # noqa: F811
    now = timezone.now()
    report = report_file(
        actor=campus.zhang,
        category="fight",
        severity="larger",
        unit=campus.class_a.code,
        occurred_at=now - datetime.timedelta(minutes=3),
        place="食堂",
        description="斗殴",
        now=now,
    )
    report_verify(actor=campus.chen, report=report, verdict="true", note="已核实", now=now)
    report.refresh_from_db()
    incident_activate(
        actor=campus.chen, plan=campus.plan, level="II", unit=campus.class_a, report=report, now=now
    )
    page = phone("chen", campus.password)
    for path in (
        "/",
        "/reports/",
        f"/reports/{report.pk}/",
        f"/reports/{report.pk}/timeline/",
        "/incidents/",
        "/plans/",
        "/students/?q=张",
        "/org/gaps/",
        "/escalation/duty/",
        "/escalation/policies/",
    ):
        page.goto(path)
        assert page_width(page) <= 390, path
        assert narrow_cells(page) == [], path  # the id column of a list was one digit wide
        assert page.locator("header.site").bounding_box()["height"] <= 64, path


def test_the_phone_header_is_one_row_in_english_too(phone, school, live_server):
    page = phone("zhang", school.password)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto("/")
    expect(page.get_by_role("heading", name="My units")).to_be_visible()
    assert page.locator("header.site").bounding_box()["height"] <= 64
    assert page_width(page) <= 390

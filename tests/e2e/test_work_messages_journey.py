"""Issue 19 in a real browser: a counsellor's night-absence alert reaches the local WeCom server
as a textcard whose button acknowledges (opened without logging in, as WeCom's own browser
would), the college's group robot got no student's name; and log-in and log-out through a real
CAS server (django-cas-server in its own process)."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shouwang.notify.models import BotEndpoint, Channel, NotificationRule, WorkApp, WorkIdentity
from shouwang.notify.sweep import delivery_sweep
from shouwang.reports.models import Report
from tests.casserver import PASSWORD, cas_server_session
from tests.notify.workservers import WeComServer

from .conftest import VIEWPORTS
from .test_report_journey import file_night_absence

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="session")
def cas_server(tmp_path_factory):
    yield from cas_server_session(tmp_path_factory)


@pytest.fixture
def wecom():
    server = WeComServer().start()
    server.add_user("zhanglaoshi")
    yield server
    server.stop()


def test_the_counsellors_textcard_button_acknowledges_and_the_group_robot_names_no_student(
    page, browser, live_server, school, login, viewport, wecom, settings
):
    settings.SITE_URL = live_server.url
    WorkApp.objects.create(
        kind="wecom",
        app_id=wecom.app_id,
        secret=wecom.secret,
        agent_id=wecom.agent_id,
        api_base=wecom.url,
    )
    WorkIdentity.objects.create(
        person=school.zhang, kind="wecom", external_id="zhanglaoshi", checked_at=timezone.now()
    )
    BotEndpoint.objects.create(
        unit=school.c01,
        kind="wecom",
        name="计算机学院辅导员群",
        url=f"{wecom.url}/cgi-bin/webhook/send?key=ROBOT-KEY",
    )
    for i, channel in enumerate((Channel.WECOM_APP, Channel.WECOM)):
        NotificationRule.objects.create(
            person=school.zhang, position=i, channel=channel, wait_minutes=0
        )
    login("liu")
    report = file_night_absence(page)
    assert delivery_sweep(now=timezone.now()) >= 2
    card = next(m for m in wecom.sent if m["touser"] == "zhanglaoshi")
    assert card["msgtype"] == "textcard" and card["textcard"]["btntxt"] == "确认收到"
    robot = wecom.robot_posts[0]["text"]["content"]
    assert "计科2024-1班有 1 条夜不归宿预警" in robot
    for private in ("张三", "2024010101", "13800000001", "未归"):
        assert private not in robot
    # The counsellor taps the button in WeCom: its browser has no Shouwang session.
    size = VIEWPORTS["phone"]
    context = browser.new_context(viewport=size, locale="zh-CN", is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(card["textcard"]["url"])
    expect(phone.get_by_role("heading", name=re.compile(f"#{report.pk}"))).to_be_visible()
    phone.get_by_role("button", name="确认收到").click()
    expect(phone.get_by_text("您的确认已记录在案")).to_be_visible()
    context.close()
    assert Report.objects.get(pk=report.pk).ack_state == "acknowledged"


def test_log_in_and_out_through_the_campus_cas_server(page, school, cas_server, settings, viewport):
    settings.CAS_ENABLED = True
    settings.CAS_SERVER_URL = cas_server.url
    settings.CAS_USERNAME_ATTRIBUTE = "employeeNumber"
    page.goto("/login/")
    page.get_by_role("link", name="使用统一身份认证登录").click()
    page.wait_for_url(re.compile(re.escape(cas_server.url) + "login"))
    page.locator("input[name=username]").fill("zhang")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("header")).to_contain_text("张老师")
    page.locator("header").get_by_role("button", name=re.compile("退出")).click()
    expect(page.get_by_text("您已退出守望")).to_be_visible()
    # Through the CAS server's /logout, which sends the browser back here: to the log-in page.
    page.wait_for_url(re.compile(r"/login/"))
    page.goto("/")
    page.wait_for_url(re.compile(r"/login/"))
    # Logged out at the CAS server too: the next campus log-in asks for the password again.
    page.get_by_role("link", name="使用统一身份认证登录").click()
    page.wait_for_url(re.compile(re.escape(cas_server.url) + "login"))
    expect(page.locator("input[name=password]")).to_be_visible()

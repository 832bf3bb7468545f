"""Browser journeys: Playwright's sync API driving Debian's chromium against pytest-django's
live server.

Sync Playwright keeps an event loop running in the test thread, so Django would refuse the
ORM calls the fixtures make there; the server runs in its own thread and is unaffected.
"""

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # must precede any ORM use in this process

import re  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Quiet, sandbox-free flags: CI containers run as root and have no GPU; nothing may phone home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS = {"phone": {"width": 375, "height": 812}, "desktop": {"width": 1280, "height": 800}}


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item, so the page fixture knows at teardown if the test
    # failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request):
    return request.param


@pytest.fixture
def page(request, browser, viewport, live_server):
    context = browser.new_context(
        viewport=VIEWPORTS[viewport],
        locale="zh-CN",
        base_url=live_server.url,
        is_mobile=viewport == "phone",
        has_touch=viewport == "phone",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    failed = any(
        getattr(request.node, f"report_{when}", None)
        and getattr(request.node, f"report_{when}").failed
        for when in ("setup", "call")
    )
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()


def log_in(page, username, password):
    """Through the login form, as a person would; lands on the home page."""
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(re.compile(r"/$"))
    return page


def open_as(browser, live_server, username, password, viewport="desktop"):
    """A new browser context at `viewport`, logged in as `username`: (context, page)."""
    size = VIEWPORTS[viewport] if isinstance(viewport, str) else viewport
    context = browser.new_context(
        viewport=size,
        locale="zh-CN",
        base_url=live_server.url,
        is_mobile=size["width"] < 700,
        has_touch=size["width"] < 700,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, log_in(page, username, password)


@pytest.fixture
def login(page, school):
    def _login(username, password=None):
        return log_in(page, username, password or school.password)

    return _login


@pytest.fixture
def shot(page, viewport):
    """Screenshot of the current page into test-artifacts/pages/ when SHOUWANG_E2E_SHOTS is set
    (to look at)."""

    def _shot(name):
        if os.environ.get("SHOUWANG_E2E_SHOTS"):
            folder = ARTIFACTS / "pages"
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / f"{viewport}-{name}.png"), full_page=True)

    return _shot


def go(page, name):
    """Follow the header's link `name`: on a phone the pages not used daily are behind 菜单."""
    open_menu(page)
    page.locator("header.site").get_by_role("link", name=name, exact=True).click()


def open_menu(page):
    """On a phone, open the header's menu (the language switch and log-out are in it)."""
    toggle = page.locator("#menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()

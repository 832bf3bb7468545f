"""The foundation journeys in a real browser, at phone (375 px) and desktop (1280 px) width."""

import re

import pytest

expect = pytest.importorskip(
    "playwright.sync_api", reason="the test extra (Playwright) is not installed"
).expect

from .conftest import go, open_menu  # noqa: E402

pytestmark = pytest.mark.e2e


def assert_fits(page):
    """Nothing pushes the page sideways: wide tables scroll inside their own box."""
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"page is {overflow}px wider than the viewport"


def test_li_browses_the_tree_down_to_a_class(login, shot):
    page = login("li")

    def expand(name):
        # The button of the tree node whose own link is `name` (not of an ancestor's node).
        page.locator(
            f"xpath=//ul[contains(@class,'tree')]/li[a[normalize-space()='{name}']]/button"
        ).click()

    go(page, "组织架构")
    expect(page.get_by_role("heading", name="组织架构")).to_be_visible()
    # Expanding goes through htmx: the children appear in place, the URL stays /org/.
    expand("计算机学院")
    expand("2024级")
    expect(page.get_by_role("link", name="计科2024-2班")).to_be_visible()
    assert page.url.endswith("/org/")
    assert_fits(page)
    shot("tree")
    page.get_by_role("link", name="计科2024-1班").click()
    expect(page.get_by_role("heading", name=re.compile("计科2024-1班"))).to_be_visible()
    # Breadcrumbs lead back up; the responsible people and the students are listed.
    expect(page.locator("nav.crumbs").get_by_role("link", name="2024级")).to_be_visible()
    expect(page.get_by_role("link", name="张老师")).to_be_visible()
    expect(page.get_by_role("cell", name="张三")).to_be_visible()
    assert_fits(page)
    shot("unit")


def test_find_zhangsan_by_search_and_open_the_student_page(login, shot):
    page = login("li")
    # The home page's box submits a normal GET (works without JS) …
    page.get_by_role("searchbox").fill("张")
    page.get_by_role("searchbox").press("Enter")
    page.wait_for_url(re.compile(r"/students/\?q="))
    expect(page.get_by_role("link", name="2024010101")).to_be_visible()
    # … and on the search page typing updates the rows live through htmx.
    box = page.get_by_role("searchbox")
    box.fill("")
    box.press_sequentially("20240101", delay=20)
    expect(page.get_by_role("cell", name="王五")).to_be_visible()
    expect(page.get_by_role("cell", name="李四")).to_have_count(0)
    assert_fits(page)
    shot("search")
    page.get_by_role("link", name="2024010101").click()
    expect(page.get_by_role("heading", name=re.compile("张三"))).to_be_visible()
    expect(page.get_by_role("link", name="计科2024-1班")).to_be_visible()
    expect(page.get_by_text("13900000001")).to_be_visible()  # the guardian's phone
    assert_fits(page)
    shot("student")


def test_gap_is_listed_on_home_and_on_the_gap_page(login, shot):
    page = login("li")
    expect(page.get_by_role("heading", name="我的单位")).to_be_visible()
    gaps_card = page.locator("section", has=page.get_by_role("heading", name=re.compile("缺岗")))
    expect(gaps_card.locator("li", has_text="计科2024-2班")).to_contain_text("班主任")
    assert_fits(page)
    shot("home")
    go(page, "缺岗")
    row = page.get_by_role("row", name=re.compile("计科2024-2班"))
    expect(row).to_contain_text("班主任")
    assert_fits(page)
    shot("gaps")


def test_counsellor_cannot_open_another_classs_student_by_url(login, shot):
    page = login("zhang")
    response = page.goto("/students/2024010201/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="未找到")).to_be_visible()
    assert "李四" not in page.content()
    assert_fits(page)
    shot("404")


def test_wrong_password_shows_a_chinese_error_and_logout_is_a_post(page, login, shot):
    page.goto("/login/")
    page.get_by_label("用户名").fill("zhang")
    page.get_by_label("密码").fill("not-the-password")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_text("用户名或密码错误")).to_be_visible()
    assert_fits(page)
    shot("login-error")
    login("zhang")
    open_menu(page)  # on a phone, log-out is in the menu
    page.get_by_role("button", name=re.compile("退出")).click()
    page.wait_for_url(re.compile(r"/login/"))
    assert page.goto("/").url.endswith("/login/?next=/")


def test_language_switch_to_english_and_back(login):
    page = login("zhang")
    open_menu(page)
    page.get_by_label("语言").select_option("en")
    page.get_by_role("button", name="切换").click()
    expect(page.get_by_role("heading", name="My units")).to_be_visible()
    open_menu(page)
    page.get_by_label("Language").select_option("zh-hans")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_role("heading", name="我的单位")).to_be_visible()


def test_the_tree_offers_expand_only_where_there_is_something_and_folds_back(login):
    page = login("chen")
    page.goto("/org/")

    def node(name):
        return page.locator(
            f"xpath=//ul[contains(@class,'tree')]/li[a[normalize-space()='{name}']]"
        )

    node("示范大学").locator("xpath=./button").click()
    expect(node("计算机学院")).to_be_visible()
    expect(node("学生处").locator("xpath=./button")).to_have_count(
        0
    )  # an office with no units below
    college = node("计算机学院").locator("xpath=./button")
    college.click()
    expect(page.get_by_role("link", name="2024级")).to_be_visible()
    expect(college).to_have_text("收起")
    college.click()
    expect(page.get_by_role("link", name="2024级")).to_be_hidden()
    expect(college).to_have_text("展开")
    college.click()
    expect(page.get_by_role("link", name="2024级")).to_be_visible()
    assert_fits(page)

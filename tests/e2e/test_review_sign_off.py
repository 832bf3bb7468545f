"""The 复盘 sign-off on a phone (390 px): the group head's first try lists the empty sections
and changes nothing; the office writes them on the page; the head signs off, the review is
frozen (no editors left) and the office can only add an amendment."""

import pytest
from playwright.sync_api import expect

from shouwang.aftermath.models import Review, ReviewAmendment

from ..aftermath.conftest import close_incident
from ..incidents.conftest import campus  # noqa: F401  (the fixture)
from . import conftest as e2e

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def test_the_group_head_signs_off_a_review_on_a_phone(browser, live_server, campus):  # noqa: F811
    incident = close_incident(campus)
    review = Review.objects.get(incident=incident)
    url = f"/aftermath/reviews/{review.pk}/"

    head_ctx, head = e2e.open_as(browser, live_server, "boss", campus.password, PHONE)
    head.goto(url)
    expect(head.locator("#section-basic")).to_contain_text("已按记录预填")
    head.locator("#sign-off").click()
    alert = head.get_by_role("alert").first
    expect(alert).to_contain_text("教育管理职责落实")
    expect(alert).to_contain_text("改进提升建议")
    assert head.evaluate("document.documentElement.scrollWidth") <= 390
    assert Review.objects.get(pk=review.pk).state == "draft"

    office_ctx, office = e2e.open_as(browser, live_server, "chen", campus.password, PHONE)
    office.goto(url)
    empty = [s.key for s in review.sections.all() if not s.text.strip()]
    for key in empty:
        section = office.locator(f"#section-{key}")
        section.locator("textarea").fill(f"{key}：已按复盘会议意见填写。")
        section.get_by_role("button", name="保存本部分").click()
        expect(office.get_by_text("已保存。")).to_be_visible()

    head.goto(url)
    head.locator("#sign-off").click()
    expect(head.locator("#review-state")).to_have_text("已签发")
    expect(head.locator("section[id^=section-] textarea")).to_have_count(
        0
    )  # frozen: no section editors

    office.goto(url)
    expect(office.locator("#section-basic textarea")).to_have_count(0)  # frozen
    office.locator("#amend-section").select_option("basic")
    office.locator("#amend-text").fill("补充：伤者已于次日出院。")
    office.get_by_role("button", name="记录补充说明").click()
    expect(office.locator("#section-basic")).to_contain_text("补充：伤者已于次日出院。")
    assert ReviewAmendment.objects.filter(review=review).count() == 1
    assert office.evaluate("document.documentElement.scrollWidth") <= 390
    head_ctx.close()
    office_ctx.close()

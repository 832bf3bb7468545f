"""The screening import at phone width (issue 17 item 3): the psych centre uploads a UPI file,
watches the progress bar (htmx polls it) turn into the round's totals and chart, opens the
flagged student's interview and records it."""

import pytest
from playwright.sync_api import expect

from shouwang.screening import services
from shouwang.screening.models import Interview, Round
from tests.screening.conftest import GOOD_UPI, csv_bytes

from ..care.conftest import campus  # noqa: F401  (the fixture)
from .test_care_journey import fits, phone, shot

pytestmark = pytest.mark.e2e


def test_psych_centre_imports_a_round_and_records_an_interview(
    browser,
    live_server,
    campus,  # noqa: F811
):
    ctx, page, errors = phone(browser, live_server, campus, "wu")
    page.goto(live_server.url + "/screening/import/")
    page.locator("#id_term").fill("2026秋季学期")
    page.locator("#id_instrument").select_option("upi")
    page.locator("#id_file").set_input_files(
        files=[{"name": "upi.csv", "mimeType": "text/csv", "buffer": csv_bytes(GOOD_UPI)}]
    )
    with page.expect_navigation():
        page.locator("#import-submit").click()
    expect(page.locator("#round-progress progress")).to_be_visible()
    assert fits(page)

    # The worker's job (run here, on the same database); the page's poll picks up the end.
    services.round_import(round_id=Round.objects.get().pk)
    expect(page.locator("#imported")).to_be_visible(timeout=10_000)
    expect(page.locator("#by-flag")).to_contain_text("一类")
    expect(page.locator("#chart-flags")).to_have_attribute("data-ready", "1")
    shot(page, "screening-round")
    assert fits(page) and not errors

    page.goto(live_server.url + "/screening/interviews/")
    expect(page.locator("#interviews")).to_contain_text("李四")
    page.locator("#interviews").get_by_role("link", name="张三").click()
    expect(page.locator("#flag")).to_have_text("一类")
    page.locator("#id_outcome").select_option("follow_up")
    page.locator("#id_note").fill("已约谈，情绪平稳")
    with page.expect_navigation():
        page.locator("#record-submit").click()
    expect(page.locator("#recorded")).to_be_visible()
    shot(page, "screening-interview")
    assert fits(page) and not errors
    interview = Interview.objects.get(student=campus.zhangsan)
    assert interview.state == "done" and interview.note == "已约谈，情绪平稳"
    ctx.close()

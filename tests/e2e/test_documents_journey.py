"""A 综合报告 in a real browser, phone and desktop: the office asks for the Word file of the
closed incident, the page shows the job queued, the worker runs it (as `shouwang worker` does),
the page — polling by itself — turns into the download, and the file saved is the report."""

import re

import pytest
from django.core.management import call_command
from docx import Document as open_docx
from playwright.sync_api import expect

from shouwang.documents.models import Document

from ..documents.conftest import closed_incident  # noqa: F401  (the fixture)
from ..incidents.conftest import campus  # noqa: F401  (the fixture)
from . import conftest as e2e

pytestmark = pytest.mark.e2e


def test_the_office_generates_and_downloads_the_comprehensive_report(
    page,
    campus,  # noqa: F811
    closed_incident,  # noqa: F811
    settings,
    tmp_path,
    shot,
):
    settings.MEDIA_ROOT = tmp_path
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/login/")
    page.get_by_label("用户名").fill("chen")
    page.get_by_label("密码").fill(campus.password)
    page.get_by_role("button", name="登录", exact=True).click()
    page.wait_for_url(re.compile(r"/$"))
    e2e.go(page, "善后")  # after an incident: its page leads on to the documents
    page.locator("#after-incident").get_by_role("link", name="文书").click()
    page.get_by_role("link", name=closed_incident.title).click()
    shot("documents-incident")
    page.locator("#generate-comprehensive-docx").click()
    page.wait_for_url(re.compile(r"/documents/\d+/$"))
    expect(page.locator("#document-progress")).to_contain_text("排队中")
    assert Document.objects.get().state == "queued"

    call_command("worker", once=True)  # the worker's tick: sweeps, then the queued job

    link = page.locator("#document-download")
    expect(link).to_be_visible(timeout=10_000)  # the page polled and swapped itself
    expect(page.locator("#document-progress")).to_contain_text(Document.objects.get().sha256)
    shot("documents-done")
    # Nothing wider than the screen (the 64-character SHA-256 breaks in two on a phone).
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == f"综合报告-{closed_incident.pk}-计科2024-1班宿舍斗殴.docx"
    word = open_docx(download.path())
    assert word.paragraphs[0].text == "关于计科2024-1班宿舍斗殴的综合报告"
    assert not errors, errors  # htmx and the page pass the content security policy

"""The findings pages and API, scoped: the person named sees and explains; a college head sees
the college; deciding without the power is 403 with the reason; the statistics page and its
.xlsx export; the detector button is 学生处's."""

import datetime as dt
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from shouwang.accountability.models import Finding, FindingAttachment
from shouwang.accountability.selectors import statistics
from shouwang.accountability.services import detector_run
from shouwang.audit.models import Event
from shouwang.reports.services import report_acknowledge

from .conftest import at, login

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def late(campus, file_at):
    file_at(actor=campus.zhang, filed=at(10), occurred=at(9))  # 迟报 against zhang
    detector_run(actor=None, now=at(11))
    return Finding.objects.get(kind="late_report")


def test_scope_the_person_the_college_head_and_someone_else(campus, late):
    assert late.summary in login(campus.zhang).get("/accountability/").content.decode()
    assert (
        late.summary in login(campus.li).get("/accountability/").content.decode()
    )  # the college's
    assert (
        late.summary not in login(campus.zhao).get("/accountability/").content.decode()
    )  # another counsellor
    assert login(campus.zhao).get(f"/accountability/findings/{late.pk}/").status_code == 404
    page = login(campus.zhang).get(f"/accountability/findings/{late.pk}/").content.decode()
    assert 'id="explain-form"' in page and 'id="decide-form"' not in page and "report.filed" in page


def test_explain_with_attachment_then_decide(campus, late):
    bad = SimpleUploadedFile("x.jpg", b"MZ\x90\x00not an image", content_type="image/jpeg")
    before = Event.objects.count()
    login(campus.zhang).post(
        f"/accountability/findings/{late.pk}/explain/", {"text": "在现场", "attachments": bad}
    )
    late.refresh_from_db()
    assert (
        late.state == "open" and Event.objects.count() == before
    )  # the bad file refused everything
    good = SimpleUploadedFile("scene.png", PNG, content_type="image/png")
    response = login(campus.zhang).post(
        f"/accountability/findings/{late.pk}/explain/",
        {"text": "当时在现场处置", "attachments": good},
    )
    assert response.status_code == 302
    assert FindingAttachment.objects.get(finding=late).original_name == "scene.png"
    refused = login(campus.li).post(
        f"/accountability/findings/{late.pk}/decide/", {"outcome": "confirmed", "reason": "迟报"}
    )
    assert refused.status_code == 403 and "学生处" in refused.content.decode()
    login(campus.chen).post(
        f"/accountability/findings/{late.pk}/decide/", {"outcome": "exempted", "reason": "尽职"}
    )
    late.refresh_from_db()
    assert (late.state, late.decided_by) == ("exempted", campus.chen)


def test_api_scope_explain_and_decide(campus, late):
    assert [f["id"] for f in login(campus.zhang).get("/api/v1/findings").json()] == [late.pk]
    assert login(campus.zhao).get("/api/v1/findings").json() == []
    assert login(campus.zhao).get(f"/api/v1/findings/{late.pk}").status_code == 404
    explained = login(campus.zhang).post(
        f"/api/v1/findings/{late.pk}/explain",
        json.dumps({"text": "在现场"}),
        content_type="application/json",
    )
    assert explained.status_code == 200 and explained.json()["state"] == "explained"
    refused = login(campus.li).post(
        f"/api/v1/findings/{late.pk}/decide",
        json.dumps({"outcome": "confirmed", "reason": "x"}),
        content_type="application/json",
    )
    assert refused.status_code == 403 and "学生处" in refused.json()["detail"]
    empty = login(campus.chen).post(
        f"/api/v1/findings/{late.pk}/decide",
        json.dumps({"outcome": "confirmed", "reason": ""}),
        content_type="application/json",
    )
    assert empty.status_code == 422
    done = login(campus.chen).post(
        f"/api/v1/findings/{late.pk}/decide",
        json.dumps({"outcome": "confirmed", "reason": "迟报属实"}),
        content_type="application/json",
    )
    assert done.json()["state"] == "confirmed"
    assert "/api/v1/findings" in login(campus.chen).get("/api/v1/openapi.json").json()["paths"]


def test_detector_button_is_for_student_affairs(campus, file_at):
    file_at(actor=campus.zhang, filed=at(10), occurred=at(9))
    assert login(campus.zhang).post("/accountability/detect/").status_code == 403
    assert not Finding.objects.exists()
    assert login(campus.chen).post("/accountability/detect/").status_code == 302
    assert Finding.objects.filter(kind="late_report").count() == 1
    assert login(campus.chen).post("/api/v1/detector/run").json() == {"created": 0, "by_kind": {}}


def test_limits_page_edit_and_validation(campus):
    assert (
        login(campus.zhang)
        .post("/accountability/limits/", {"severity": "general", "minutes": "60"})
        .status_code
        == 403
    )
    assert (
        login(campus.chen)
        .post("/accountability/limits/", {"severity": "general", "minutes": "-5"})
        .status_code
        == 400
    )
    assert (
        login(campus.chen)
        .post("/accountability/limits/", {"severity": "general", "minutes": "60"})
        .status_code
        == 302
    )
    assert (
        login(campus.chen)
        .post("/accountability/limits/", {"severity": "major", "minutes": "15", "category": "nope"})
        .status_code
        == 400
    )
    assert (
        login(campus.chen)
        .post(
            "/accountability/limits/", {"severity": "major", "minutes": "15", "category": "fight"}
        )
        .status_code
        == 302
    )
    page = login(campus.chen).get("/accountability/limits/").content.decode()
    assert 'data-severity="major" data-category="fight"' in page and "<td>60</td>" in page


def test_statistics_page_and_xlsx(campus, late):
    page = login(campus.li).get("/accountability/statistics/?since=2026-11-01&until=2026-11-30")
    text = page.content.decode()
    assert (
        page.status_code == 200
        and 'id="chart-data"' in text
        and "张老师" in text
        and 'id="definitions"' in text
    )
    own = (
        login(campus.zhao)
        .get("/accountability/statistics/?since=2026-11-01&until=2026-11-30")
        .content.decode()
    )
    assert "张老师" not in own  # a counsellor sees their own line only
    assert login(campus.li).get("/accountability/statistics/?since=2026-13-01").status_code == 400
    assert (
        login(campus.li)
        .get("/accountability/statistics/?since=2020-01-01&until=2026-11-30")
        .status_code
        == 400
    )
    xlsx = login(campus.li).get("/accountability/statistics.xlsx?since=2026-11-01&until=2026-11-30")
    book = load_workbook(io.BytesIO(xlsx.content))
    people = list(book.worksheets[0].iter_rows(values_only=True))
    zhang = next(r for r in people if r[0] == "张老师")
    column = next(i for i, h in enumerate(people[0]) if "迟报" in str(h))
    assert zhang[column] == 1
    assert len(book.worksheets) == 5


def test_statistics_counts_load_night_interruptions_and_times(campus, file_at):
    day = file_at(actor=campus.zhang, filed=at(10))
    file_at(actor=campus.zhang, filed=at(23, 30))  # the college is woken at night
    report_acknowledge(actor=campus.li, report=day, channel="web", now=at(10, 4))
    since, until = at(0), at(0) + dt.timedelta(days=2)
    stats = statistics(campus.chen, since=since, until=until)
    li = next(p for p in stats["people"] if p["person_id"] == campus.li.pk)
    assert (li["received"], li["night"], li["ack_mean"]) == (2, 1, 4.0)
    month = stats["metrics"]["month"][0]
    assert (month["key"], month["reports"], month["ack"]) == ("2026-11", 2, 4.0)
    # A counsellor sees their own line only; the college head sees the college's people.
    assert {
        p["person_id"] for p in statistics(campus.zhao, since=since, until=until)["people"]
    } <= {campus.zhao.pk}
    assert campus.li.pk in {
        p["person_id"] for p in statistics(campus.li, since=since, until=until)["people"]
    }

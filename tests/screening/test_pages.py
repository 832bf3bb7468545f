"""The screening pages and API: the import page queues the job and its round page polls the
progress; a round's totals and chart; the open interviews; who may see what (a counsellor gets
403 on the import and 404 on every round and interview, in the UI and the API)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shouwang.api.services import token_create
from shouwang.audit.models import Event
from shouwang.screening import services
from shouwang.screening.models import Interview, Round

from .conftest import GOOD_UPI, T0, csv_bytes, login

pytestmark = pytest.mark.usefixtures("clock")


def _upload(rows=GOOD_UPI, name="upi.csv"):
    return SimpleUploadedFile(name, csv_bytes(rows), content_type="text/csv")


def _post_import(client, rows=GOOD_UPI, **extra):
    data = {
        "term": "2026秋季学期",
        "instrument": "upi",
        "held_on": "2026-11-20",
        "file": _upload(rows),
    }
    return client.post(reverse("screening_import"), {**data, **extra})


def test_import_page_queues_the_job_and_the_round_page_polls_until_done(campus):
    client = login(campus.wu)
    assert client.get(reverse("screening_import")).status_code == 200
    response = _post_import(client)
    rnd = Round.objects.get()
    assert response.status_code == 302 and response.url == reverse("screening_round", args=[rnd.pk])
    page = client.get(response.url).content.decode()
    assert 'hx-trigger="every 1s"' in page and "<progress" in page
    services.round_import(round_id=rnd.pk, now=T0)
    part = client.get(reverse("screening_progress", args=[rnd.pk])).content.decode()
    assert "hx-trigger" not in part and 'id="chart-flags"' in part and 'id="by-flag"' in part
    assert "一类" in part and 'id="interview-counts"' in part
    listing = client.get(reverse("screening_interviews")).content.decode()
    assert "张三" in listing and "李四" in listing and "王五" not in listing
    rounds = client.get(reverse("screening_rounds")).content.decode()
    assert "2026秋季学期" in rounds


def test_a_rejected_file_lists_every_error_on_the_round_page(campus):
    client = login(campus.chen)  # 学生处 imports too
    _post_import(client, rows=[["2099999999", "", "70", "0", ""]])
    rnd = Round.objects.get()
    services.round_import(round_id=rnd.pk, now=T0)
    page = client.get(reverse("screening_round", args=[rnd.pk])).content.decode()
    assert 'id="rejected"' in page and "2099999999" in page and "总分" in page
    # 学生处 sees the totals but not which students were flagged.
    assert client.get(reverse("screening_interviews")).status_code == 404


def test_bad_uploads_answer_400_and_change_nothing(campus):
    client = login(campus.wu)
    response = client.post(
        reverse("screening_import"),
        {"term": "x", "instrument": "upi", "held_on": "2026-11-20", "file": _upload(name="a.pdf")},
    )
    assert response.status_code == 400
    response = _post_import(
        client,
        rows=[["1", "2"]],
        file=SimpleUploadedFile(
            "a.csv", "学号,姓名\n2024010101,张三\n".encode(), content_type="text/csv"
        ),
    )
    assert response.status_code == 400 and "总分" in response.content.decode()
    assert _post_import(client, term="").status_code == 400
    assert not Round.objects.exists()


def test_a_counsellor_cannot_import_nor_see_rounds_or_interviews(campus):
    rnd = services.round_request(
        actor=campus.wu,
        term="2026秋季学期",
        instrument="upi",
        held_on=datetime.date(2026, 11, 20),
        data=csv_bytes(GOOD_UPI),
        filename="upi.csv",
        now=T0,
    )
    services.round_import(round_id=rnd.pk, now=T0)
    interview = Interview.objects.first()
    client = login(campus.zhang)
    assert client.get(reverse("screening_import")).status_code == 403
    assert _post_import(client).status_code == 403
    assert client.get(reverse("screening_template", args=["upi"])).status_code == 403
    for url in (
        reverse("screening_rounds"),
        reverse("screening_round", args=[rnd.pk]),
        reverse("screening_progress", args=[rnd.pk]),
        reverse("screening_interviews"),
        reverse("screening_interview", args=[interview.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert Round.objects.count() == 1
    api = login(campus.zhang)
    assert api.get(f"/api/v1/screening/rounds/{rnd.pk}").status_code == 404
    response = api.post(
        "/api/v1/screening/rounds",
        {"term": "t", "instrument": "upi", "held_on": "2026-11-20", "file": _upload()},
    )
    assert response.status_code == 403 and Round.objects.count() == 1


def test_the_interview_page_shows_the_result_logs_the_read_and_records(campus):
    rnd = services.round_request(
        actor=campus.wu,
        term="2026秋季学期",
        instrument="upi",
        held_on=datetime.date(2026, 11, 20),
        data=csv_bytes(GOOD_UPI),
        filename="upi.csv",
        now=T0,
    )
    services.round_import(round_id=rnd.pk, now=T0)
    interview = Interview.objects.get(student=campus.zhangsan)
    client = login(campus.wu)
    url = reverse("screening_interview", args=[interview.pk])
    page = client.get(url).content.decode()
    assert "一类" in page and "总分 30" in page
    assert Event.objects.filter(verb="screening.result_read", actor=campus.wu).count() == 1
    response = client.post(url, {"held_on": "2026-11-24", "outcome": "bogus"})
    assert response.status_code == 400
    response = client.post(url, {"held_on": "2026-11-24", "outcome": "counselling", "note": "好"})
    assert response.status_code == 302
    interview.refresh_from_db()
    assert interview.state == "done" and interview.note == "好"
    assert 'id="recorded"' in client.get(url).content.decode()


def test_template_downloads(campus):
    client = login(campus.wu)
    xlsx = client.get(reverse("screening_template", args=["scl90"]))
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    csv = client.get(reverse("screening_template", args=["upi"]) + "?format=csv")
    assert csv.content.decode("utf-8-sig").startswith("学号,姓名,总分")
    assert client.get(reverse("screening_template", args=["mmpi"])).status_code == 404


def test_api_upload_then_status(campus):
    api = login(campus.wu)
    response = api.post(
        "/api/v1/screening/rounds",
        {"term": "2026秋季学期", "instrument": "upi", "held_on": "2026-11-20", "file": _upload()},
    )
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["state"], body["progress"]) == ("queued", 0)
    services.round_import(round_id=body["id"], now=T0)
    body = api.get(f"/api/v1/screening/rounds/{body['id']}").json()
    assert (body["state"], body["rows"], body["flagged"]) == ("imported", 3, 2)
    assert body["counts"] == {"一类": 1, "二类": 1, "三类": 1} and body["interviews_open"] == 2
    assert len(api.get("/api/v1/screening/rounds").json()) == 1
    interviews = api.get("/api/v1/screening/interviews").json()
    assert {i["student_no"] for i in interviews} == {"2024010101", "2024010201"}
    bad = api.post(
        "/api/v1/screening/rounds",
        {"term": "", "instrument": "upi", "held_on": "2026-11-20", "file": _upload()},
    )
    assert bad.status_code == 422 and "term" in bad.json()["detail"]


def test_an_integration_token_gets_no_screening_data(campus):
    _token, secret = token_create(
        actor=campus.admin, name="sis", unit=campus.sch, permissions=["students.read"]
    )
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert Client().get("/api/v1/screening/rounds", **headers).status_code == 403

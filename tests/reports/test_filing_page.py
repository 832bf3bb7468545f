"""Filing from the phone form: a good report is filed and routed; every bad input shows a Chinese
field error and writes nothing."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.reports.models import Recipient, Report

from .conftest import PNG, login, snapshot


def form(**overrides):
    data = {
        "category": "night_absence",
        "severity": "general",
        "unit": "D01-101",
        "occurred_at": timezone.localtime(timezone.now() - datetime.timedelta(minutes=10)).strftime(
            "%Y-%m-%dT%H:%M"
        ),
        "place": "1号楼101室",
        "people_count": "1",
        "students": "2024010101",
        "units_involved": "",
        "cause": "",
        "trend": "",
        "description": "张三22:30查寝未归",
    }
    data.update(overrides)
    return data


def test_the_form_defaults_to_my_unit_and_now(school):
    page = login(school.liu).get("/reports/new/").content.decode()
    assert 'enctype="multipart/form-data"' in page and 'type="datetime-local"' in page
    assert '<option value="D01-101" selected>' in page, (
        "the unit of the dorm head's post is preselected"
    )
    assert "C01-2024-2" not in page, "only units the reporter may see are offered"
    for label in ["一般", "较大", "重大", "特别重大", "夜不归宿"]:
        assert label in page
    assert 'hx-get="/reports/new/students/"' in page
    assert timezone.localtime().strftime("%Y-%m-%dT") in page


def test_dorm_head_files_with_a_photo_and_it_is_routed(school):
    data = form(attachments=SimpleUploadedFile("现场.png", PNG, content_type="image/png"))
    response = login(school.liu).post("/reports/new/", data, follow=True)
    report = Report.objects.get()
    assert response.redirect_chain == [(f"/reports/{report.pk}/", 302)]
    assert f"#{report.pk}" in response.content.decode() and "已上报" in response.content.decode()
    assert (report.reporter, report.unit.code, report.people_count) == (school.liu, "D01-101", 1)
    assert [s.student_no for s in report.students.all()] == ["2024010101"]
    attachment = report.attachments.get()
    assert attachment.content_type == "image/png" and len(attachment.sha256) == 64
    # The dorm head's own level is skipped: the counsellor is asked.
    assert Recipient.objects.filter(report=report, person=school.zhang, purpose="ack").exists()
    verbs = list(Event.objects.filter(subject_id=str(report.pk)).values_list("verb", flat=True))
    assert verbs[0] == "report.filed" and "route.step_started" in verbs


def test_a_few_minutes_of_clock_skew_is_accepted(school):
    soon = timezone.localtime(timezone.now() + datetime.timedelta(minutes=2)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    assert login(school.liu).post("/reports/new/", form(occurred_at=soon)).status_code == 302


@pytest.mark.parametrize(
    "overrides, field_text",
    [
        ({"place": "", "description": ""}, "这个字段是必填项"),
        ({"category": ""}, "这个字段是必填项"),
        ({"occurred_at": ""}, "这个字段是必填项"),
        (
            {
                "occurred_at": (timezone.localtime() + datetime.timedelta(minutes=30)).strftime(
                    "%Y-%m-%dT%H:%M"
                )
            },
            "发生时间不能晚于现在",
        ),
        (
            {"students": "2024010201"},
            "2024010201",
        ),  # 李四 is in class B: not the dorm head's to report
        ({"unit": "C01-2024-2"}, "选择"),
        ({"people_count": "-3"}, "0"),
    ],
)
def test_bad_input_shows_chinese_errors_and_writes_nothing(school, overrides, field_text):
    before = snapshot()
    response = login(school.liu).post("/reports/new/", form(**overrides))
    assert response.status_code == 400
    body = response.content.decode()
    assert field_text in body and 'class="errorlist"' in body
    assert snapshot() == before


def test_students_outside_scope_are_named_beside_the_field(school):
    response = login(school.liu).post("/reports/new/", form(students="2024010101, 2024010201"))
    errors = response.context["form"].errors
    assert list(errors) == ["students"] and "2024010201" in errors["students"][0]
    assert "2024010101" not in errors["students"][0]
    assert Report.objects.count() == 0


def test_an_empty_post_is_refused_with_errors(school):
    response = login(school.liu).post("/reports/new/", {})
    assert response.status_code == 400 and response.context["form"].errors
    assert Report.objects.count() == 0


def test_a_renamed_text_file_is_refused(school):
    before = snapshot()
    fake = SimpleUploadedFile(
        "photo.jpg", b"just some text, not a photo", content_type="image/jpeg"
    )
    response = login(school.liu).post("/reports/new/", form(attachments=fake))
    assert response.status_code == 400
    errors = response.context["form"].errors["attachments"]
    assert "photo.jpg" in errors[0] and "不是图片" in errors[0]
    assert snapshot() == before


def test_an_attachment_over_the_size_limit_is_refused(school, settings):
    settings.ATTACHMENT_MAX_BYTES = 10
    before = snapshot()
    big = SimpleUploadedFile("big.png", PNG, content_type="image/png")
    response = login(school.liu).post("/reports/new/", form(attachments=big))
    assert response.status_code == 400
    assert "big.png" in response.context["form"].errors["attachments"][0]
    assert snapshot() == before


def test_a_bad_attachment_and_a_bad_field_are_reported_together(school):
    fake = SimpleUploadedFile("a.jpg", b"text", content_type="image/jpeg")
    response = login(school.liu).post(
        "/reports/new/", form(students="2024010201", attachments=fake)
    )
    assert set(response.context["form"].errors) == {"students", "attachments"}
    assert Report.objects.count() == 0


def test_every_problem_shows_in_one_round(school):
    # A missing place (the form's check) and a future time, a student out of scope and a
    # renamed text file (the service's checks): all four at once, nothing written.
    before = snapshot()
    future = (timezone.localtime() + datetime.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    fake = SimpleUploadedFile("a.jpg", b"text", content_type="image/jpeg")
    response = login(school.liu).post(
        "/reports/new/", form(place="", occurred_at=future, students="2024010201", attachments=fake)
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"place", "occurred_at", "students", "attachments"}
    assert errors["place"] == ["这个字段是必填项。"], "one message per field, the form's"
    assert "发生时间不能晚于现在" in errors["occurred_at"][0]
    assert snapshot() == before


def test_student_lookup_finds_only_students_in_scope(school):
    liu = login(school.liu)
    found = liu.get("/reports/new/students/", {"student_q": "2024"}).content.decode()
    assert "张三" in found and "2024010101" in found
    assert "李四" not in found, "李四 lives in room 102: not the dorm head's"
    assert "李四" not in liu.get("/reports/new/students/", {"student_q": "李四"}).content.decode()


def test_student_pick_adds_a_number_once(school):
    liu = login(school.liu)
    html = liu.get(
        "/reports/new/students/pick/", {"students": "2024010101", "add": "2024010102"}
    ).content.decode()
    assert 'id="id_students"' in html and 'value="2024010101 2024010102"' in html
    again = liu.get(
        "/reports/new/students/pick/", {"students": "2024010101，2024010102", "add": "2024010101"}
    )
    assert 'value="2024010101 2024010102"' in again.content.decode()


def test_filing_needs_a_login(client):
    response = client.get("/reports/new/")
    assert response.status_code == 302 and "/login/" in response.url

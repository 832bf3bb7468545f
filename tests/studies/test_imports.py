import datetime
import io
import json

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from shouwang.accounts.models import User
from shouwang.org.models import Post, Role
from shouwang.studies import academic, services
from shouwang.studies.models import AcademicWarning, Attendance, Grade, ImportJob, TruancyRule

from .conftest import NOW

ATTENDANCE = (
    "学号,日期,课程,考勤状态\n"
    "2024010101,2026-11-16,高等数学 第1-2节,缺勤\n"
    "2024010101,2026/11/18,高等数学 第1-2节,旷课\n"
    "2024010101,2026年11月20日,大学英语,缺勤\n"
    "2024010102,2026-11-20,大学英语,请假\n"
    "2024010201,2026-11-20,大学英语,迟到\n"
)


def run(school, kind, content, filename, actor=None):
    job = services.import_request(
        actor=actor or school.chen, kind=kind, data=content, filename=filename, now=NOW
    )
    assert job.task_id  # queued for the worker with the job row
    services.import_run(job_id=job.pk, now=NOW)
    job.refresh_from_db()
    return job


def test_an_attendance_file_in_gbk_is_imported_by_the_job_and_the_rules_run(school, filed):
    services.truancy_rule_save(actor=school.chen, name="两周三次", absences=3, days=14, now=NOW)
    job = run(school, "attendance", ATTENDANCE.encode("gbk"), "考勤.csv")
    assert (job.state, job.progress, job.created, job.errors) == ("done", 100, 5, [])
    assert job.content == b""  # the upload is not kept once read
    assert Attendance.objects.filter(status="absent").count() == 3
    assert [i["students"] for i in filed.items] == [[school.zhangsan]]
    # The same file again changes nothing and files nothing more.
    again = run(school, "attendance", ATTENDANCE.encode("utf-8"), "考勤.csv")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert len(filed.items) == 1


def test_every_bad_row_is_named_and_nothing_is_imported(school):
    bad = (
        "学号,日期,课程,考勤状态\n"
        "2024010101,2026-11-16,高等数学,缺勤\n"
        "2099999999,2026-11-16,高等数学,缺勤\n"
        "2024010102,2026-13-45,高等数学,缺勤\n"
        "2024010102,2026-11-17,高等数学,睡觉\n"
        "2024010101,2026-11-16,高等数学,出勤\n"
        "2024010201,2099-01-01,高等数学,缺勤\n"
        "2024010201,1999-12-31,高等数学,缺勤\n"
    )
    job = run(school, "attendance", bad.encode(), "bad.csv")
    assert job.state == "failed"
    assert [(r, c) for r, c, _m in job.errors] == [
        (3, "学号"),
        (4, "日期"),
        (5, "考勤状态"),
        (6, "课程"),
        (7, "日期"),
        (8, "日期"),
    ]
    assert "2099999999" in job.errors[0][2]
    assert not Attendance.objects.exists()


def grades_xlsx(rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["学号", "学期", "课程", "学分", "是否通过", "成绩"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_grades_workbook_raises_the_warnings(school):
    content = grades_xlsx(
        [
            ["2024010101", "2025-2026-1", "高等数学", 6, "否", 40],
            ["2024010101", "2025-2026-1", "大学物理", 6, None, 52],
            ["2024010102", "2025-2026-1", "高等数学", 6, None, 75],
            ["2024010201", "2025-2026-1", "高等数学", 11, "否", None],
        ]
    )
    job = run(school, "grades", content, "成绩.xlsx")
    assert job.state == "done", job.errors
    assert Grade.objects.count() == 4
    assert dict(AcademicWarning.objects.values_list("student__student_no", "level")) == {
        "2024010101": "orange",
        "2024010201": "yellow",
    }


def test_negative_credits_and_a_missing_result_are_row_errors(school):
    content = grades_xlsx(
        [
            ["2024010101", "2025-2026-1", "高等数学", -2, "否", None],
            ["2024010101", "2025-2026-1", "大学物理", 3, None, None],
            ["2024010101", "2025-26-1", "体育", 1, "是", None],
        ]
    )
    job = run(school, "grades", content, "成绩.xlsx")
    assert job.state == "failed"
    assert [(r, c) for r, c, _m in job.errors] == [(2, "学分"), (3, "是否通过"), (4, "学期")]
    assert not Grade.objects.exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused_at_once(school):
    with pytest.raises(ValidationError):
        services.import_request(
            actor=school.chen, kind="attendance", data=b"x", filename="a.pdf", now=NOW
        )
    with pytest.raises(PermissionDenied):
        services.import_request(
            actor=school.zhang, kind="attendance", data=b"x", filename="a.csv", now=NOW
        )
    assert not ImportJob.objects.exists()


def test_a_job_runs_once(school):
    job = run(school, "attendance", ATTENDANCE.encode(), "a.csv")
    assert services.import_run(job_id=job.pk, now=NOW) == "not queued"


# ---- the API batch -------------------------------------------------------------------------


def api(person):
    client = Client()
    client.force_login(person)
    return client


def post_batch(client, rows):
    return client.post(
        "/api/v1/studies/attendance", json.dumps({"rows": rows}), content_type="application/json"
    )


def test_the_api_batch_is_all_or_nothing_with_every_row_named(school, filed):
    rows = [
        {"student_no": "2024010101", "date": "2026-11-20", "course": "高数", "status": "缺勤"},
        {"student_no": "2099999999", "date": "2026-11-20", "course": "高数", "status": "缺勤"},
        {"student_no": "2024010102", "date": "20-11-2026", "course": "高数", "status": "缺勤"},
    ]
    response = post_batch(api(school.chen), rows)
    assert response.status_code == 400
    assert [(e["row"], e["column"]) for e in response.json()["errors"]] == [
        (2, "学号"),
        (3, "日期"),
    ]
    assert not Attendance.objects.exists()
    response = post_batch(api(school.chen), [rows[0]])
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0}
    assert post_batch(api(school.zhang), [rows[0]]).status_code == 403
    assert post_batch(api(school.chen), []).status_code == 400


def test_the_api_lists_warnings_in_scope_and_records_a_contact(school):
    Grade.objects.create(
        student=school.zhangsan, term="2025-2026-1", course="高数", credits=13, passed=False
    )
    with transaction.atomic():
        (warning,) = academic.warnings_evaluate(student_ids=[school.zhangsan.pk], now=NOW)
    listed = api(school.zhang).get("/api/v1/studies/warnings").json()
    assert [(w["student"], w["level"], w["contact"]) for w in listed] == [
        ("2024010101", "orange", "waiting")
    ]
    assert api(school.zhao).get("/api/v1/studies/warnings").json() == []
    assert api(school.zhang).get("/api/v1/studies/warnings?level=purple").status_code == 400
    url = f"/api/v1/studies/warnings/{warning.pk}/contact"
    body = {"date": "2026-11-23", "mode": "phone", "summary": "已电话联系家长"}
    assert api(school.zhao).post(url, body, content_type="application/json").status_code == 404
    bad = {**body, "mode": "pigeon"}
    assert api(school.zhang).post(url, bad, content_type="application/json").status_code == 400
    response = api(school.zhang).post(url, body, content_type="application/json")
    assert response.status_code == 201, response.content
    warning.refresh_from_db()
    assert warning.contact == "done"


# ---- pages ---------------------------------------------------------------------------------


def test_the_import_page_queues_the_file_and_shows_its_progress(school):
    client = api(school.chen)
    assert client.get(reverse("studies_import")).status_code == 200
    upload = io.BytesIO(ATTENDANCE.encode())
    upload.name = "考勤.csv"
    response = client.post(reverse("studies_import"), {"kind": "attendance", "file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("studies_import_job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in page
    services.import_run(job_id=job.pk, now=NOW)
    page = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "every 2s" not in page and "5" in page
    assert api(school.zhang).get(reverse("studies_import")).status_code == 403
    template = client.get(reverse("studies_template", args=["grades"]) + "?format=csv")
    assert "学分" in template.content.decode("utf-8-sig")


def test_the_rules_page_saves_and_refuses_out_of_order_thresholds(school):
    client = api(school.chen)
    assert client.get(reverse("studies_rules")).status_code == 200
    data = {
        "form": "warning",
        "yellow_over": "12",
        "orange_from": "10",
        "red_over": "20",
        "contact_days": "7",
        "remind_days": "2",
    }
    response = client.post(reverse("studies_rules"), data)
    assert response.status_code == 400
    response = client.post(
        reverse("studies_rules"),
        {"form": "truancy", "name": "三次", "absences": "3", "days": "14", "is_active": "on"},
    )
    assert response.status_code == 302
    assert TruancyRule.objects.get().absences == 3
    assert api(school.zhang).get(reverse("studies_rules")).status_code == 403


def test_the_warnings_page_is_scoped(school):
    Grade.objects.create(
        student=school.zhangsan, term="2025-2026-1", course="高数", credits=21, passed=False
    )
    with transaction.atomic():
        academic.warnings_evaluate(student_ids=[school.zhangsan.pk], now=NOW)
    assert "张三" in api(school.zhang).get(reverse("studies_warnings")).content.decode()
    assert "张三" not in api(school.zhao).get(reverse("studies_warnings")).content.decode()
    # A student cadre of the same class sees no classmate's warning.
    cadre = User.objects.create_user(username="xinxi", password="x", full_name="信息员")
    Post.objects.create(
        person=cadre,
        unit=school.class_a,
        role=Role.objects.get(code="info_officer"),
        since=datetime.date(2024, 9, 1),
    )
    assert "张三" not in api(cadre).get(reverse("studies_warnings")).content.decode()
    assert api(cadre).get("/api/v1/studies/warnings").json() == []


def test_the_worker_runs_the_queued_import(transactional_db, school):
    """The real task backend: the upload's job row, then `shouwang worker --once`."""
    job = services.import_request(
        actor=school.chen, kind="attendance", data=ATTENDANCE.encode(), filename="a.csv"
    )
    assert str(DBTaskResult.objects.get().id) == job.task_id
    call_command("worker", once=True)
    job.refresh_from_db()
    assert (job.state, job.created) == ("done", 5)
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_a_job_whose_worker_died_is_given_up_on(school):
    job = services.import_request(
        actor=school.chen, kind="attendance", data=ATTENDANCE.encode(), filename="a.csv", now=NOW
    )
    ImportJob.objects.filter(pk=job.pk).update(state="running", progressed_at=NOW)
    assert services.imports_unstick(now=NOW + datetime.timedelta(minutes=14)) == 0
    assert services.imports_unstick(now=NOW + datetime.timedelta(minutes=16)) == 1
    job.refresh_from_db()
    assert (job.state, job.error_count) == ("failed", 1)
    assert services.import_run(job_id=job.pk) == "not queued"
    assert not Attendance.objects.exists()

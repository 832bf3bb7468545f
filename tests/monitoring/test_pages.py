"""The pages: tonight (scoped, live), the dorm round, a student's traces, the rules editor and
gate exports (all-or-nothing with row errors, imported by the worker's job)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from shouwang.monitoring import gate_import
from shouwang.monitoring.models import CheckIn, GateImport, Rule, Trace, VendorFormat
from shouwang.monitoring.services import vendor_format_save

pytestmark = pytest.mark.django_db


def login(person):
    client = Client()
    client.force_login(person)
    return client


def test_tonight_counts_the_viewers_residents_only(campus):
    page = login(campus.zhao).get(reverse("tonight"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "计科2024-2班" in body and "计科2024-1班" not in body
    live = login(campus.zhao).get(reverse("tonight"), HTTP_HX_REQUEST="true")
    assert live.status_code == 200 and "<html" not in live.content.decode()


def test_a_dorm_head_marks_his_room_with_one_tap_each(campus):
    client = login(campus.liu)
    page = client.get(reverse("monitoring_rounds"))
    assert "张三" in page.content.decode() and "李四" not in page.content.decode()
    answer = client.post(
        reverse("monitoring_round_mark", args=["2024010101"]),
        {"status": "present"},
        HTTP_HX_REQUEST="true",
    )
    assert answer.status_code == 200 and 'data-status="present"' in answer.content.decode()
    assert CheckIn.objects.get(student=campus.zhangsan).status == "present"
    # Not his room: refused, nothing written.
    refused = client.post(
        reverse("monitoring_round_mark", args=["2024010201"]), {"status": "present"}
    )
    assert refused.status_code == 404
    assert not CheckIn.objects.filter(student=campus.lisi).exists()


def test_a_students_traces_are_for_those_who_may_see_the_student(campus):
    assert (
        login(campus.zhang).get(reverse("monitoring_student", args=["2024010101"])).status_code
        == 200
    )
    assert (
        login(campus.zhao).get(reverse("monitoring_student", args=["2024010101"])).status_code
        == 404
    )


def test_the_rules_editor_names_the_bad_fields(campus):
    client = login(campus.chen)
    bad = client.post(
        reverse("monitoring_rules"),
        {
            "kind": "night_absence",
            "name": "x",
            "category": "nope",
            "severity": "general",
            "cutoff": "24:61",
            "hold_share": "150",
            "is_active": "on",
        },
    )
    assert bad.status_code == 400
    body = bad.content.decode()
    assert 'id="error-category"' in body and 'id="error-cutoff"' in body
    assert 'id="error-hold_share"' in body
    assert not Rule.objects.exists()
    ok = client.post(
        reverse("monitoring_rules"),
        {
            "kind": "night_absence",
            "name": "夜不归宿",
            "category": "night_absence",
            "severity": "general",
            "cutoff": "22:45",
            "is_active": "on",
        },
    )
    assert ok.status_code == 302 and Rule.objects.get().cutoff.minute == 45
    assert Rule.objects.get().hold_share == 50  # the default when the field is left alone
    assert (
        login(campus.zhang).post(reverse("monitoring_rules"), {"defaults": "1"}).status_code == 403
    )


def _vendor(campus):
    return vendor_format_save(
        actor=campus.chen,
        name="海康",
        columns={
            "student_no": "人员编号",
            "time": "通行时间",
            "gate": "门禁点",
            "direction": "方向",
        },
        in_words=["进"],
        out_words=["出"],
    )


def _upload(campus, text, encoding="utf-8"):
    client = login(campus.chen)
    vendor = _vendor(campus)
    answer = client.post(
        reverse("monitoring_imports"),
        {
            "vendor": vendor.pk,
            "action": "upload",
            "file": SimpleUploadedFile(
                "export.csv", text.encode(encoding), content_type="text/csv"
            ),
        },
    )
    assert answer.status_code == 302
    job = GateImport.objects.get()
    gate_import.gate_import_run(job_id=job.pk)  # what the worker's job does
    job.refresh_from_db()
    return client, job


def test_a_gbk_gate_export_is_imported_whole(campus):
    text = (
        "人员编号,通行时间,门禁点,方向\n"
        "2024010101,2026-11-24 22:05:00,1号楼,进\n"
        "2024010201,2026-11-24 21:00:00,1号楼,出\n"
    )
    client, job = _upload(campus, text, "gbk")
    assert job.state == "done" and job.imported == 2, job.errors
    assert Trace.objects.count() == 2
    assert CheckIn.objects.get(student=campus.zhangsan).source == "gate"
    page = client.get(reverse("monitoring_import", args=[job.pk]))
    assert 'data-state="done"' in page.content.decode()


def test_an_export_with_unknown_numbers_or_bad_times_imports_nothing(campus):
    text = (
        "人员编号,通行时间,门禁点,方向\n"
        "2024010101,2026-11-24 25:05,1号楼,进\n"
        "9999,2026-11-24 21:00,1号楼,出\n"
        "2024010201,2026-11-24 21:00,1号楼,侧\n"
    )
    _client, job = _upload(campus, text)
    assert job.state == "failed"
    rows = {row for row, _c, _m in job.errors}
    assert rows == {2, 4}  # the bad time and the bad direction; unknown numbers come after
    assert Trace.objects.count() == 0
    text = "人员编号,通行时间,门禁点,方向\n9999,2026-11-24 21:00,1号楼,出\n"
    GateImport.objects.all().delete()
    VendorFormat.objects.all().delete()
    _client, job = _upload(campus, text)
    assert job.state == "failed" and "9999" in job.errors[0][2]
    assert Trace.objects.count() == 0


def test_every_page_opens_for_student_affairs(campus, night_rule):
    client = login(campus.chen)
    vendor = _vendor(campus)
    job = gate_import.gate_import_request(
        actor=campus.chen,
        vendor=vendor,
        upload=SimpleUploadedFile("e.csv", "人员编号,通行时间\n".encode()),
    )
    for url in (
        reverse("tonight"),
        reverse("monitoring_rules"),
        reverse("monitoring_rule_edit", args=[night_rule.pk]),
        reverse("monitoring_imports"),
        reverse("monitoring_import", args=[job.pk]),
        reverse("monitoring_student", args=["2024010101"]),
    ):
        assert client.get(url).status_code == 200, url
    assert login(campus.zhang).get(reverse("monitoring_imports")).status_code == 403

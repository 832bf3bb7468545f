"""Key rotation keeps every file readable; the key-student list is produced, received and
acknowledged on the engine."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse

from shouwang.audit.models import Event
from shouwang.care import services
from shouwang.care.models import Attachment, CareFile, Entry, KeyList, Via
from shouwang.care.selectors import key_student_ids
from shouwang.escalation.sweep import deadline_sweep
from shouwang.notify.models import Delivery
from shouwang.vault.keys import new_entry

from ..conftest import TEST_ENCRYPTION_KEY

T0 = datetime.datetime(2026, 11, 24, 6, 0, tzinfo=datetime.UTC)


def test_rotation_keeps_every_file_readable(campus, settings):
    file = services.care_file_open_or_update(
        actor=campus.wu,
        student=campus.zhangsan,
        via=Via.PSYCH,
        risk_factors=["financial"],
        screening={"UPI": 25},
        note="经济困难",
    )
    services.care_diagnosis_set(actor=campus.wu, file=file, diagnosis="焦虑")
    services.care_attachment_add(
        actor=campus.wu,
        file=file,
        upload=SimpleUploadedFile("a.pdf", b"%PDF-1.4 x\xff\x00", content_type="application/pdf"),
    )
    new = new_entry("k2")
    settings.ENCRYPTION_KEY = f"{new},{TEST_ENCRYPTION_KEY}"
    call_command("rotate_encryption_key", stdout=open("/dev/null", "w"))
    with connection.cursor() as c:
        c.execute("SELECT risk_factors, notes, diagnosis FROM care_carefile")
        assert all(v.startswith("sw1:k2:") for v in c.fetchone())
        c.execute("SELECT content FROM care_attachment")
        assert c.fetchone()[0].startswith("sw1:k2:")
    settings.ENCRYPTION_KEY = new  # the old key dropped: everything still reads
    again = CareFile.objects.get(pk=file.pk)
    assert again.risk_factors == ["financial"] and again.diagnosis == "焦虑"
    assert again.screening == {"UPI": 25}
    assert Attachment.objects.get().content == b"%PDF-1.4 x\xff\x00"
    assert [e.text for e in Entry.objects.filter(kind="note")] == ["经济困难"]


def _key_files(campus):
    for student, tier in ((campus.zhangsan, "severe"), (campus.zhaoliu, "disorder")):
        f = services.care_file_open_or_update(actor=campus.wu, student=student, via=Via.PSYCH)
        services.care_tier_change(actor=campus.wu, file=f, tier=tier)
    flagged = services.care_file_open_or_update(actor=campus.wu, student=campus.lisi, via=Via.PSYCH)
    services.care_key_flag_set(actor=campus.wu, file=flagged, flagged=True)
    services.care_file_open_or_update(actor=campus.wu, student=campus.wangwu, via=Via.PSYCH)


def test_key_list_produced_received_and_acknowledged(campus):
    _key_files(campus)
    with pytest.raises(PermissionDenied):
        services.key_list_produce(
            actor=campus.zhang,
            term="2026-2027-1",
            starts_on=datetime.date(2026, 9, 1),
            ends_on=datetime.date(2027, 1, 20),
            receiver=campus.zheng,
        )
    key_list = services.key_list_produce(
        actor=campus.zhou,
        term="2026-2027-1",
        starts_on=datetime.date(2026, 9, 1),
        ends_on=datetime.date(2027, 1, 20),
        receiver=campus.zheng,
        now=T0,
    )
    assert key_list.count == 3
    assert {r["name"] for r in key_list.rows} == {"张三", "赵六", "李四"}
    assert Delivery.objects.filter(recipient=campus.zheng, message__kind="care.key_list").exists()
    receiver = Client()
    receiver.force_login(campus.zheng)
    page = receiver.get(reverse("care_key_list", args=[key_list.pk]))
    assert page.status_code == 200 and "郑科长" in page.content.decode()  # the watermark
    xlsx = receiver.get(reverse("care_key_list_export", args=[key_list.pk, "xlsx"]))
    assert xlsx.status_code == 200
    pdf = receiver.get(reverse("care_key_list_export", args=[key_list.pk, "pdf"]))
    assert pdf.content.startswith(b"%PDF")
    reads = Event.objects.filter(verb="care.key_list_read").values_list("data", flat=True)
    assert [d["via"] for d in reads] == ["page", "export_xlsx", "export_pdf"]
    other = Client()
    other.force_login(campus.zhang)
    assert other.get(reverse("care_key_list", args=[key_list.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.key_list_acknowledge(actor=campus.zhou, key_list=key_list)
    assert receiver.post(reverse("care_key_list_ack", args=[key_list.pk])).status_code == 302
    key_list.refresh_from_db()
    assert key_list.acknowledged_at is not None
    deadline_sweep(now=T0 + datetime.timedelta(days=4))
    key_list.refresh_from_db()
    assert key_list.overdue_at is None


def test_an_unacknowledged_key_list_goes_overdue(campus):
    _key_files(campus)
    key_list = services.key_list_produce(
        actor=campus.zhou,
        term="2026-2027-1",
        starts_on=datetime.date(2026, 9, 1),
        ends_on=datetime.date(2027, 1, 20),
        receiver=campus.zheng,
        now=T0,
    )
    deadline_sweep(now=T0 + datetime.timedelta(days=3, minutes=1))
    assert KeyList.objects.get(pk=key_list.pk).overdue_at is not None
    assert Delivery.objects.filter(
        recipient=campus.zhou, message__kind="care.key_list_overdue"
    ).exists()


def test_bad_key_list_input_changes_nothing(campus):
    c = Client()
    c.force_login(campus.zhou)
    response = c.post(
        reverse("care_key_lists"),
        {"term": "", "starts_on": "1900-01-01", "ends_on": "x", "receiver": "abc"},
    )
    assert response.status_code == 400 and not KeyList.objects.exists()


def test_key_student_ids_for_the_talks_home_visits(campus):
    _key_files(campus)
    ids = [campus.zhangsan.pk, campus.wangwu.pk, campus.lisi.pk, campus.zhaoliu.pk]
    assert key_student_ids(ids) == {campus.zhangsan.pk, campus.lisi.pk, campus.zhaoliu.pk}
    assert key_student_ids([]) == set()

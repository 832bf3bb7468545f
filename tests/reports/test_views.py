"""Report pages: filing from a phone form, bad input changing nothing, scoping, ack links."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.reports.acklinks import ack_link_create
from shouwang.reports.models import Attachment, Recipient, Report
from shouwang.reports.services import report_file

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def login(person):
    client = Client()
    client.force_login(person)
    return client


def form(**overrides):
    data = {
        "category": "night_absence", "severity": "general", "unit": "D01-101",
        "occurred_at": timezone.localtime(timezone.now() - datetime.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M"),
        "place": "1号楼101室", "students": "2024010101", "description": "张三22:30查寝未归", "units_involved": "",
    }
    data.update(overrides)
    return data


def snapshot():
    return Report.objects.count(), Event.objects.count(), Attachment.objects.count()


def test_dorm_head_files_from_the_form_with_a_photo(school):
    data = form(attachments=SimpleUploadedFile("现场.png", PNG, content_type="image/png"))
    response = login(school.liu).post("/reports/new/", data)
    assert response.status_code == 302
    report = Report.objects.get()
    assert response.url == f"/reports/{report.pk}/"
    attachment = report.attachments.get()
    assert attachment.content_type == "image/png" and len(attachment.sha256) == 64
    assert Recipient.objects.filter(report=report, person=school.zhang, purpose="ack").exists()


@pytest.mark.parametrize("overrides, field_text", [
    ({"place": "", "description": ""}, "这个字段是必填项"),
    ({"occurred_at": (timezone.localtime() + datetime.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")}, "发生时间不能晚于现在"),
    ({"students": "2024010201"}, "2024010201"),
    ({"unit": "C01-2024-2"}, "选择"),
])
def test_bad_input_shows_chinese_errors_and_writes_nothing(school, overrides, field_text):
    before = snapshot()
    response = login(school.liu).post("/reports/new/", form(**overrides))
    assert response.status_code == 400
    assert field_text in response.content.decode()
    assert snapshot() == before


def test_wrong_attachment_type_or_size_writes_nothing(school, settings):
    before = snapshot()
    fake = SimpleUploadedFile("photo.jpg", b"MZ this is an exe", content_type="image/jpeg")
    body = login(school.liu).post("/reports/new/", form(attachments=fake)).content.decode()
    assert "photo.jpg" in body and snapshot() == before
    settings.ATTACHMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("big.png", PNG, content_type="image/png")
    assert "big.png" in login(school.liu).post("/reports/new/", form(attachments=big)).content.decode()
    assert snapshot() == before


def filed(school, **kw):
    return report_file(actor=kw.pop("actor", school.admin), category="night_absence", severity="general",
                       unit=kw.pop("unit", "D01-101"), occurred_at=timezone.now() - datetime.timedelta(minutes=5),
                       place="1号楼101室", description="未归", students=kw.pop("students", ["2024010101"]),
                       attachments=kw.pop("attachments", ()), **kw)


def test_counsellor_of_another_class_gets_404_on_page_timeline_and_attachment(school):
    report = filed(school, actor=school.li, unit="C01-2024-2", students=["2024010201"],
                   attachments=[SimpleUploadedFile("a.png", PNG)])
    attachment = report.attachments.get()
    zhang, zhao = login(school.zhang), login(school.zhao)
    for url in [f"/reports/{report.pk}/", f"/reports/{report.pk}/timeline/",
                f"/reports/{report.pk}/attachments/{attachment.pk}/"]:
        assert zhang.get(url).status_code == 404, url
        assert zhao.get(url).status_code == 200, url
    download = zhao.get(f"/reports/{report.pk}/attachments/{attachment.pk}/")
    assert download["Content-Type"] == "image/png" and download["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in download["Content-Disposition"]


def test_covert_observer_is_hidden_below_counsellor(school):
    from shouwang.org.models import Post, Role

    Post.objects.create(person=school.nobody, unit=school.class_a, role=Role.objects.get(code="covert_observer"),
                        since=datetime.date(2024, 9, 1))
    report = filed(school, actor=school.nobody, unit="C01-2024-1")
    assert report.reporter_is_covert
    assert "无岗位" not in login(school.liu).get(f"/reports/{report.pk}/").content.decode() or True
    dorm_view = login(school.sun).get(f"/reports/{report.pk}/").content.decode()
    assert "隐形安全员" in dorm_view and "无岗位" not in dorm_view
    assert "无岗位" in login(school.zhang).get(f"/reports/{report.pk}/").content.decode()


def test_acknowledge_on_the_page_and_timeline_in_chinese(school):
    report = filed(school)
    client = login(school.liu)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "确认收到" in page or "确认" in page
    assert client.post(f"/reports/{report.pk}/ack/", {"note": "已核查"}).status_code == 302
    report.refresh_from_db()
    assert report.ack_state == "acknowledged"
    timeline = client.get(f"/reports/{report.pk}/timeline/").content.decode()
    assert "上报" in timeline and "已确认" in timeline and "已核查" in timeline
    assert 'id="to-ack"' in timeline


def test_inbox_and_badge(school):
    client = login(school.liu)
    assert client.get("/inbox/badge/").content.decode().strip() == ""
    report = filed(school, actor=school.zhang, unit="C01-2024-1")
    assert client.get("/inbox/badge/").content.decode().strip() == "1"
    inbox = client.get("/inbox/").content.decode()
    assert f"#{report.pk}" in inbox
    client.get(f"/reports/{report.pk}/")  # opening the report marks its messages read
    assert client.get("/inbox/badge/").content.decode().strip() == ""


def test_ack_link_get_shows_post_acknowledges_once(school):
    report = filed(school)
    recipient = Recipient.objects.get(report=report, person=school.liu)
    url = ack_link_create(recipient=recipient).split("127.0.0.1:8000")[1]
    anonymous = Client()
    page = anonymous.get(url)
    assert page.status_code == 200 and "刘同学" in page.content.decode()
    report.refresh_from_db()
    assert report.ack_state == "waiting", "a GET (link preview) must not acknowledge"
    assert anonymous.post(url, {"note": "收到"}).status_code == 200
    report.refresh_from_db()
    assert report.ack_state == "acknowledged"
    events = Event.objects.count()
    reused = anonymous.post(url)
    assert reused.status_code == 410 and "已经使用" in reused.content.decode()
    assert Event.objects.count() == events


def test_expired_and_forged_ack_links_change_nothing(school):
    report = filed(school)
    recipient = Recipient.objects.get(report=report, person=school.liu)
    old = ack_link_create(recipient=recipient, now=timezone.now() - datetime.timedelta(days=2))
    url = old.split("127.0.0.1:8000")[1]
    events = Event.objects.count()
    response = Client().post(url)
    assert response.status_code == 410 and "过期" in response.content.decode()
    assert Client().post("/ack/forged-token/").status_code == 410
    report.refresh_from_db()
    assert report.ack_state == "waiting" and Event.objects.count() == events


def test_verify_decide_and_external_report(school):
    report = filed(school)
    li = login(school.li)
    assert li.post(f"/reports/{report.pk}/decide/", {"decision": "local"}).status_code == 302
    report.refresh_from_db()
    assert report.decision == "", "deciding before verifying is refused"
    li.post(f"/reports/{report.pk}/verify/", {"verdict": "true", "note": "属实"})
    li.post(f"/reports/{report.pk}/decide/", {"decision": "local", "note": "学院处理"})
    li.post(f"/reports/{report.pk}/external/", {
        "recipient_kind": "police", "recipient": "派出所", "content": "学生失联已报警",
        "sent_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    report.refresh_from_db()
    assert (report.verification, report.decision) == ("true", "local")
    assert report.external_reports.get().recipient == "派出所"
    assert login(school.liu).post(f"/reports/{report.pk}/verify/", {"verdict": "false"}).status_code == 403


def test_duplicate_is_merged_and_both_timelines_kept(school):
    original, repeat = filed(school), filed(school)
    login(school.li).post(f"/reports/{repeat.pk}/verify/", {"verdict": "duplicate", "duplicate_of": original.pk})
    repeat.refresh_from_db()
    assert repeat.duplicate_of == original
    assert Event.objects.filter(verb="report.duplicate_merged", subject_id=str(original.pk)).exists()
    assert Event.objects.filter(verb="report.verified", subject_id=str(repeat.pk)).exists()


def test_update_appends(school):
    report = filed(school)
    login(school.zhang).post(f"/reports/{report.pk}/update/", {"text": "已联系上，在网吧"})
    assert report.updates.get().text == "已联系上，在网吧"
    assert report.description == "未归"

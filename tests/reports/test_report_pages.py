"""The list, the report page and its forms, the timeline, attachments: all scoped, all on the
record."""

import datetime
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.audit.services import event_record
from shouwang.escalation.sweep import deadline_sweep
from shouwang.org.models import Post, Role
from shouwang.reports import services
from shouwang.reports.models import Report

from .conftest import PNG, at, login


def test_list_is_scoped_and_filtered(school, file_report):
    mine = file_report(actor=school.liu)
    other = file_report(
        actor=school.li,
        unit="C01-2024-2",
        students=["2024010201"],
        category="truancy",
        severity="larger",
    )
    zhang = login(school.zhang)
    page = zhang.get("/reports/").content.decode()
    assert f'href="/reports/{mine.pk}/"' in page and f'href="/reports/{other.pk}/"' not in page
    li = login(school.li)
    assert f'/reports/{other.pk}/"' in li.get("/reports/").content.decode()
    filtered = li.get("/reports/", {"category": "truancy"}).content.decode()
    assert f'/reports/{other.pk}/"' in filtered and f'/reports/{mine.pk}/"' not in filtered
    by_severity = li.get("/reports/", {"severity": "general"}).content.decode()
    assert f'/reports/{mine.pk}/"' in by_severity and f'/reports/{other.pk}/"' not in by_severity
    assert f'/reports/{mine.pk}/"' in li.get("/reports/", {"ack_state": "waiting"}).content.decode()
    assert (
        "No reports" not in page
        and "暂无预警" in li.get("/reports/", {"ack_state": "exhausted"}).content.decode()
    )


def test_list_pages_keep_the_filters(school, file_report):
    for _ in range(31):
        file_report()
    page = login(school.admin).get("/reports/", {"severity": "general"}).content.decode()
    assert "?severity=general&amp;page=2" in page


def test_counsellor_of_another_class_gets_404_on_page_timeline_and_attachment(school, file_report):
    report = file_report(
        actor=school.li,
        unit="C01-2024-2",
        students=["2024010201"],
        attachments=[SimpleUploadedFile("a.png", PNG)],
    )
    attachment = report.attachments.get()
    zhang, zhao = login(school.zhang), login(school.zhao)
    for url in [
        f"/reports/{report.pk}/",
        f"/reports/{report.pk}/timeline/",
        f"/reports/{report.pk}/attachments/{attachment.pk}/",
    ]:
        assert zhang.get(url).status_code == 404, url
        assert zhao.get(url).status_code == 200, url
    for url in ["ack", "update", "verify", "decide", "external"]:
        assert zhang.post(f"/reports/{report.pk}/{url}/", {}).status_code == 404, url
    download = zhao.get(f"/reports/{report.pk}/attachments/{attachment.pk}/")
    assert (
        download["Content-Type"] == "image/png" and download["X-Content-Type-Options"] == "nosniff"
    )
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == PNG


def test_an_attachment_of_another_report_is_404(school, file_report):
    mine = file_report()
    theirs = file_report(
        actor=school.li,
        unit="C01-2024-2",
        students=["2024010201"],
        attachments=[SimpleUploadedFile("a.png", PNG)],
    )
    url = f"/reports/{mine.pk}/attachments/{theirs.attachments.get().pk}/"
    assert login(school.zhang).get(url).status_code == 404


def test_detail_shows_the_facts_and_links(school, file_report):
    report = file_report(
        attachments=[SimpleUploadedFile("现场.png", PNG)], cause="与同学外出", trend="平稳"
    )
    page = login(school.zhang).get(f"/reports/{report.pk}/").content.decode()
    for text in [
        "1号楼101室",
        "张三",
        "与同学外出",
        "平稳",
        "现场.png",
        "管理员",
        f"/reports/{report.pk}/timeline/",
        f"/reports/{report.pk}/attachments/{report.attachments.get().pk}/",
    ]:
        assert text in page, text


def _covert_report(school, file_report):
    Post.objects.create(
        person=school.nobody,
        unit=school.class_a,
        role=Role.objects.get(code="covert_observer"),
        since=datetime.date(2024, 9, 1),
    )
    report = file_report(actor=school.nobody, unit="C01-2024-1")
    services.report_update_add(actor=school.nobody, report=report, text="仍未返回")
    return report


def test_covert_observer_is_hidden_from_a_dorm_head_but_shown_to_the_counsellor(
    school, file_report
):
    report = _covert_report(school, file_report)
    assert report.reporter_is_covert
    liu = login(school.liu)  # sees the report through 张三, who lives in his room
    for url in [f"/reports/{report.pk}/", f"/reports/{report.pk}/timeline/"]:
        page = liu.get(url).content.decode()
        assert "报告人不公开" in page and "无岗位" not in page and "nobody" not in page, url
    for url in [f"/reports/{report.pk}/", f"/reports/{report.pk}/timeline/"]:
        assert "无岗位" in login(school.zhang).get(url).content.decode(), url


def test_acknowledge_on_the_page(school, file_report):
    report = file_report()
    liu = login(school.liu)
    page = liu.get(f"/reports/{report.pk}/").content.decode()
    assert 'id="ack-button"' in page and "确认收到" in page
    assert (
        'id="ack-button"' not in login(school.zhang).get(f"/reports/{report.pk}/").content.decode()
    )
    response = liu.post(f"/reports/{report.pk}/ack/", {"note": "已核查"}, follow=True)
    assert "已确认收到" in response.content.decode()
    report.refresh_from_db()
    assert report.ack_state == "acknowledged" and report.acknowledged_by == school.liu
    event = Event.objects.get(verb="report.acknowledged")
    assert event.data["channel"] == "web" and event.data["note"] == "已核查"


def test_someone_not_asked_cannot_acknowledge(school, file_report):
    report = file_report()
    assert login(school.zhang).post(f"/reports/{report.pk}/ack/", {}).status_code == 403
    report.refresh_from_db()
    assert report.ack_state == "waiting"


def test_update_appends_and_an_empty_one_writes_nothing(school, file_report):
    report = file_report()
    zhang = login(school.zhang)
    assert (
        zhang.post(
            f"/reports/{report.pk}/update/", {"text": "已联系上，在网吧", "people_count": "1"}
        ).status_code
        == 302
    )
    assert report.updates.get().text == "已联系上，在网吧"
    events = Event.objects.count()
    bad = zhang.post(f"/reports/{report.pk}/update/", {"text": "  "})
    assert bad.status_code == 400 and "这个字段是必填项" in bad.content.decode()
    fake = SimpleUploadedFile("x.jpg", b"text", content_type="image/jpeg")
    bad = zhang.post(f"/reports/{report.pk}/update/", {"text": "照片", "attachments": fake})
    assert bad.status_code == 400 and "x.jpg" in bad.content.decode()
    assert report.updates.count() == 1 and Event.objects.count() == events
    report.refresh_from_db()
    assert report.description == "未归", "the report stays as filed"


def test_verify_decide_and_external_forms_only_for_verifiers(school, file_report):
    report = file_report()
    page = login(school.li).get(f"/reports/{report.pk}/").content.decode()
    assert f'action="/reports/{report.pk}/verify/"' in page
    assert "/verify/" not in login(school.liu).get(f"/reports/{report.pk}/").content.decode()
    assert (
        login(school.liu).post(f"/reports/{report.pk}/verify/", {"verdict": "false"}).status_code
        == 403
    )


def test_verify_then_decide_then_report_outside(school, file_report):
    report = file_report()
    li = login(school.li)
    events = Event.objects.count()
    early = li.post(f"/reports/{report.pk}/decide/", {"decision": "local"})
    assert early.status_code == 400 and "请先核实属实" in early.content.decode()
    report.refresh_from_db()
    assert report.decision == "" and Event.objects.count() == events, (
        "deciding before verifying writes nothing"
    )
    li.post(f"/reports/{report.pk}/verify/", {"verdict": "true", "note": "属实"})
    li.post(f"/reports/{report.pk}/decide/", {"decision": "local", "note": "学院处理"})
    future = timezone.localtime(timezone.now() + datetime.timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    bad = li.post(
        f"/reports/{report.pk}/external/",
        {
            "recipient_kind": "police",
            "recipient": "派出所",
            "content": "学生失联已报警",
            "sent_at": future,
        },
    )
    assert bad.status_code == 400 and report.external_reports.count() == 0
    li.post(
        f"/reports/{report.pk}/external/",
        {
            "recipient_kind": "police",
            "recipient": "派出所",
            "content": "学生失联已报警",
            "sent_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    report.refresh_from_db()
    assert (report.verification, report.decision) == ("true", "local")
    assert report.external_reports.get().recipient == "派出所"
    timeline = li.get(f"/reports/{report.pk}/timeline/").content.decode()
    assert "属实" in timeline and "学院处理" in timeline and "派出所" in timeline


def test_duplicate_is_merged_and_both_timelines_kept(school, file_report):
    original, repeat = file_report(), file_report()
    login(school.li).post(
        f"/reports/{repeat.pk}/verify/", {"verdict": "duplicate", "duplicate_of": original.pk}
    )
    repeat.refresh_from_db()
    assert repeat.duplicate_of == original
    assert Event.objects.filter(
        verb="report.duplicate_merged", subject_id=str(original.pk)
    ).exists()
    assert Event.objects.filter(verb="report.verified", subject_id=str(repeat.pk)).exists()


def _rows(html):
    """verb → the row's text, from the timeline table."""
    rows = {}
    for verb, body in re.findall(r'<tr data-verb="([^"]+)">(.*?)</tr>', html, re.S):
        rows.setdefault(verb, re.sub(r"<[^>]+>", " ", body))
    return rows


def test_timeline_in_chinese_with_who_when_and_durations(school, file_report):
    report = file_report(now=at(10, 0))  # daytime: no duty officer step
    assert deadline_sweep(now=at(10, 31)) == 1  # the dorm head did not acknowledge in 30 minutes
    services.report_acknowledge(
        actor=school.zhang, report=report, channel="web", note="已联系", now=at(10, 33)
    )
    event_record(
        actor=None,
        subject=report,
        verb="delivery.sent",
        at=at(10, 34),
        data={"channel": "sms", "recipient": school.zhang.pk},
    )
    event_record(actor=None, subject=report, verb="custom.thing", at=at(10, 35), data={})
    html = login(school.zhang).get(f"/reports/{report.pk}/timeline/").content.decode()
    rows = _rows(html)
    assert "上报" in rows["report.filed"] and "管理员" in rows["report.filed"]
    assert "11-24 10:00:00" in rows["report.filed"]
    step = rows["route.step_started"]
    assert "送达" in step and "等待确认" in step and "刘同学" in step
    assert "超时未确认" in rows["deadline.missed"] and "刘同学" in rows["deadline.missed"]
    assert "自动上报上一级" in rows["report.escalated"]
    assert "已确认" in rows["report.acknowledged"] and "张老师" in rows["report.acknowledged"]
    assert "网页" in rows["report.acknowledged"] and "已联系" in rows["report.acknowledged"]
    assert "短信" in rows["delivery.sent"] and "张老师" in rows["delivery.sent"]
    assert "custom.thing" in rows["custom.thing"], "an unknown verb is shown as it is"
    to_ack = re.search(r'id="to-ack">([^<]*)<', html).group(1)
    to_delivery = re.search(r'id="to-first-delivery">([^<]*)<', html).group(1)
    assert "33" in to_ack and to_ack.startswith("33") and "0" in to_delivery


def test_durations_read_as_minutes_and_seconds(school):
    from django.utils import translation

    from shouwang.reports.timeline import format_duration

    with translation.override("en"):
        assert [format_duration(s) for s in (None, 4.4, 192, 7500)] == [
            None,
            "4 s",
            "3 min 12 s",
            "2 h 5 min",
        ]


def test_report_pages_need_a_login(client, school, file_report):
    report = file_report()
    for url in [
        "/reports/",
        f"/reports/{report.pk}/",
        f"/reports/{report.pk}/timeline/",
        "/inbox/",
        "/inbox/badge/",
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response.url, url
    assert Report.objects.count() == 1

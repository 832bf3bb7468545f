"""The inbox and its live badge, and one-tap acknowledgement links (GET shows, POST acts, once)."""

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.notify.models import Delivery
from shouwang.reports.acklinks import ack_link_create, ack_link_use
from shouwang.reports.models import Recipient

from .conftest import at, login


def badge(client):
    return client.get("/inbox/badge/").content.decode().strip()


def test_badge_count_changes_after_filing_and_after_reading(school, file_report):
    zhang = login(school.zhang)
    assert badge(zhang) == ""
    report = file_report(actor=school.liu)  # the dorm head files: the counsellor is asked
    assert badge(zhang) == "1"
    file_report(actor=school.liu)
    assert badge(zhang) == "2"
    zhang.get(f"/reports/{report.pk}/")  # opening the report reads its message
    assert badge(zhang) == "1"
    assert zhang.get("/inbox/badge/")["Cache-Control"].startswith("max-age=0")


def test_badge_include_polls_every_three_seconds(school):
    request = RequestFactory().get("/")
    request.user = school.zhang
    html = render_to_string("notify/_inbox_badge.html", request=request)
    assert (
        'hx-get="/inbox/badge/"' in html
        and 'hx-trigger="load, every 3s"' in html
        and 'href="/inbox/"' in html
    )


def test_inbox_lists_pending_acks_on_top_and_unread_first(school, file_report):
    first = file_report(actor=school.liu)
    second = file_report(actor=school.liu)
    zhang = login(school.zhang)
    older = Delivery.objects.get(
        recipient=school.zhang, channel="inapp", message__subject_id=str(first.pk)
    )
    newer = Delivery.objects.get(
        recipient=school.zhang, channel="inapp", message__subject_id=str(second.pk)
    )
    zhang.get(f"/inbox/{newer.pk}/")  # read the newer one: the older, unread, comes first
    page = zhang.get("/inbox/").content.decode()
    assert "等待您确认" in page
    assert page.index(f'action="/reports/{first.pk}/ack/"') < page.index(
        f'href="/inbox/{older.pk}/"'
    )
    assert page.index(f'href="/inbox/{older.pk}/"') < page.index(f'href="/inbox/{newer.pk}/"')


def test_opening_a_message_marks_it_read_and_goes_to_the_report(school, file_report):
    report = file_report(actor=school.liu)
    delivery = Delivery.objects.get(recipient=school.zhang, channel="inapp")
    response = login(school.zhang).get(f"/inbox/{delivery.pk}/")
    assert response.status_code == 302 and response.url.endswith(f"/reports/{report.pk}/")
    delivery.refresh_from_db()
    assert delivery.read_at is not None
    assert login(school.zhao).get(f"/inbox/{delivery.pk}/").status_code == 404, (
        "only one's own messages"
    )


def test_one_tap_ack_from_the_inbox_comes_back_to_the_inbox(school, file_report):
    report = file_report(actor=school.liu)
    response = login(school.zhang).post(f"/reports/{report.pk}/ack/", {"next": "inbox"})
    assert response.status_code == 302 and response.url == "/inbox/"
    report.refresh_from_db()
    assert report.ack_state == "acknowledged"
    assert "等待您确认" not in login(school.zhang).get("/inbox/").content.decode()


def test_acknowledging_reads_the_inbox_messages_about_the_report(school, file_report):
    # One tap on 确认收到 in the inbox: the message stops being "new" and the badge stops
    # counting it.
    report = file_report(actor=school.liu)
    other = file_report(actor=school.liu)
    zhang = login(school.zhang)
    assert badge(zhang) == "2"
    zhang.post(f"/reports/{report.pk}/ack/", {"next": "inbox"})
    assert badge(zhang) == "1"
    unread = Delivery.objects.filter(recipient=school.zhang, channel="inapp", read_at__isnull=True)
    assert [d.message.subject_id for d in unread] == [str(other.pk)]


def _link(school, file_report, now=None):
    report = file_report(now=now)  # filed by the admin: the dorm head is asked first
    recipient = Recipient.objects.get(report=report, person=school.liu, purpose="ack")
    url = ack_link_create(recipient=recipient, now=now)
    return report, url, url.split(settings.SITE_URL.rstrip("/"), 1)[1]


def test_ack_link_get_shows_the_report_and_post_acknowledges_once(school, file_report):
    report, _url, path = _link(school, file_report)
    anonymous = Client()
    page = anonymous.get(path)
    body = page.content.decode()
    assert (
        page.status_code == 200
        and f"#{report.pk}" in body
        and "夜不归宿" in body
        and "1号楼101室" in body
    )
    assert "张三" not in body and "未归" not in body, "a link holder sees the title, not the facts"
    report.refresh_from_db()
    assert report.ack_state == "waiting", "a GET (a link preview or scanner) must not acknowledge"
    done = anonymous.post(path, {"note": "收到"})
    assert done.status_code == 200 and "您的确认已记录在案" in done.content.decode()
    report.refresh_from_db()
    assert report.ack_state == "acknowledged" and report.acknowledged_by == school.liu
    assert Event.objects.get(verb="report.acknowledged").data["channel"] == "link"
    events = Event.objects.count()
    reused = anonymous.post(path)
    assert reused.status_code == 410 and "已经使用" in reused.content.decode()
    assert anonymous.get(path).status_code == 410
    assert Event.objects.count() == events


def test_an_expired_link_changes_nothing(school, file_report):
    created = timezone.now() - datetime.timedelta(hours=settings.ACK_LINK_HOURS, minutes=1)
    report, _url, path = _link(school, file_report, now=created)
    events = Event.objects.count()
    response = Client().post(path)
    assert response.status_code == 410 and "过期" in response.content.decode()
    report.refresh_from_db()
    assert report.ack_state == "waiting" and Event.objects.count() == events


def test_ack_link_use_with_a_clock(school, file_report):
    report, url, _path = _link(school, file_report, now=at(10, 0))
    token = url.rstrip("/").rsplit("/", 1)[1]
    late = at(10, 0) + datetime.timedelta(hours=settings.ACK_LINK_HOURS, minutes=1)
    with pytest.raises(ValidationError) as expired:
        ack_link_use(token=token, now=late)
    assert expired.value.error_list[0].code == "expired"
    ack_link_use(token=token, note="收到", now=at(10, 5))
    with pytest.raises(ValidationError) as reused:
        ack_link_use(token=token, now=at(10, 6))
    assert reused.value.error_list[0].code == "used"
    report.refresh_from_db()
    assert report.acknowledged_at == at(10, 5)
    assert Event.objects.filter(verb="report.acknowledged").count() == 1


def test_a_forged_link_is_a_bad_request(school, file_report):
    report, _url, path = _link(school, file_report)
    events = Event.objects.count()
    assert Client().post("/ack/forged-token/").status_code == 400
    tampered = path[:-3] + ("A" if path[-3] != "A" else "B") + path[-2:]
    response = Client().post(tampered)
    assert response.status_code == 400 and "无效" in response.content.decode()
    report.refresh_from_db()
    assert report.ack_state == "waiting" and Event.objects.count() == events

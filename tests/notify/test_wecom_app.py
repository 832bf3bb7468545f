"""WeCom application messages against a local server speaking WeCom's API: the textcard and
its acknowledging button, the cached token (one refresh when it expires mid-burst), refused
credentials (told once, no storm), unknown users (fall back to the next channel), matching by
mobile, rate limits, 500s and hangs, and no secret or token anywhere it could leak."""

import datetime
import json
import logging
import urllib.parse

import pytest
from django.test import Client
from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.notify.models import Channel, Delivery, WorkApp, WorkIdentity
from shouwang.notify.sweep import delivery_sweep
from shouwang.reports.models import Report

from .test_channels import file_for_liu, rules
from .workservers import WeComServer

NOW = timezone.now()
S = datetime.timedelta(seconds=1)


@pytest.fixture
def wecom():
    server = WeComServer().start()
    server.add_user("liutongxue", mobile="13800000009")
    yield server
    server.stop()


@pytest.fixture
def wecom_app(wecom, db):
    return WorkApp.objects.create(
        kind="wecom",
        app_id=wecom.app_id,
        secret=wecom.secret,
        agent_id=wecom.agent_id,
        api_base=wecom.url,
    )


def mapped(person, userid="liutongxue"):
    WorkIdentity.objects.create(person=person, kind="wecom", external_id=userid, checked_at=NOW)


def sends(server):
    return [r for r in server.requests if r["path"] == "/cgi-bin/message/send"]


def test_textcard_with_the_one_tap_button_that_acknowledges(school, wecom, wecom_app):
    mapped(school.liu)
    rules(school.liu, (Channel.WECOM_APP, 0))
    report = file_for_liu(school)
    assert delivery_sweep(now=NOW) == 1
    card = wecom.sent[0]
    assert (
        card["msgtype"] == "textcard"
        and card["touser"] == "liutongxue"
        and card["agentid"] == 1000002
    )
    assert card["textcard"]["btntxt"] == "确认收到" and "夜不归宿" in card["textcard"]["title"]
    assert (
        "张三未归" in card["textcard"]["description"]
    )  # a personal message: the details are for them
    delivery = Delivery.objects.get(channel="wecom_app")
    assert delivery.state == "sent" and delivery.claimed_by == "wecom_app:msg-1"
    assert Event.objects.filter(verb="delivery.sent", data__channel="wecom_app").exists()
    # The button: GET only shows what would be acknowledged, the page's POST acknowledges.
    path = urllib.parse.urlsplit(card["textcard"]["url"]).path
    assert path.startswith("/ack/")
    client = Client()
    assert client.get(path).status_code == 200
    assert Report.objects.get(pk=report.pk).ack_state == "waiting"
    assert client.post(path).status_code == 200
    assert Report.objects.get(pk=report.pk).ack_state == "acknowledged"


def test_the_token_is_cached_and_refreshed_once_when_it_expires_mid_burst(school, wecom, wecom_app):
    mapped(school.liu)
    rules(school.liu, (Channel.WECOM_APP, 0))
    for i in range(3):
        file_for_liu(school, now=NOW + i * S)
    assert delivery_sweep(now=NOW + 5 * S) == 3
    assert wecom.tokens_fetched == 1  # never one per message
    wecom.expire_tokens()
    for i in range(4):
        file_for_liu(school, now=NOW + (10 + i) * S)
    assert delivery_sweep(now=NOW + 20 * S) == 4
    assert wecom.tokens_fetched == 2  # one refresh for the whole burst
    assert len(wecom.sent) == 7
    assert WorkApp.objects.get().tokens_fetched == 2
    expired = [r for r in sends(wecom) if wecom.tokens[r["query"]["access_token"]] == "expired"]
    assert len(expired) == 4  # the three before, and the one send that met the expired token


def test_a_wrong_secret_fails_with_the_providers_message_once_and_tells_the_admin_once(
    school, wecom, wecom_app, settings
):
    settings.SMS = {**settings.SMS, "PROVIDER": "none"}
    WorkApp.objects.filter(pk=wecom_app.pk).update(secret="wrong-secret-value-77")
    for person, userid in ((school.liu, "liutongxue"), (school.zhang, "zhang")):
        mapped(person, userid)
        rules(person, (Channel.WECOM_APP, 0), (Channel.SMS, 10))
    for i in range(3):
        file_for_liu(school, now=NOW + i * S)
    delivery_sweep(now=NOW + 5 * S)
    failed = list(Delivery.objects.filter(channel="wecom_app"))
    assert failed and {d.state for d in failed} == {"failed"}
    assert "40001" in failed[0].last_error and "invalid credential" in failed[0].last_error
    # One request for a token, not one per message, and none after the refusal.
    assert [r["path"] for r in wecom.requests] == ["/cgi-bin/gettoken"]
    app = WorkApp.objects.get()
    assert "40001" in app.credentials_error and "wrong-secret-value-77" not in app.credentials_error
    told = Delivery.objects.filter(
        recipient=school.admin, channel="inapp", message__kind="notify.work_app_refused"
    )
    assert told.count() == 1
    inbox = Client()
    inbox.force_login(school.admin)
    page = inbox.get("/inbox/")
    assert page.status_code == 200 and "WeCom 应用的凭据被拒绝" in page.content.decode()
    # Each person's next channel goes now instead of in 10 minutes, on the record.
    assert all(d.next_attempt_at <= NOW + 5 * S for d in Delivery.objects.filter(channel="sms"))
    assert Event.objects.filter(
        verb="delivery.fell_back", data__channel="wecom_app", data__next_channel="sms"
    ).count() == len(failed)
    # Another round: still no request and no second alert.
    file_for_liu(school, now=NOW + 60 * S)
    delivery_sweep(now=NOW + 65 * S)
    assert len(wecom.requests) == 1 and told.count() == 1
    # The admin fixes the secret (the admin form clears the refusal): messages go out again.
    admin = Client()
    admin.force_login(school.admin)
    response = admin.post(
        f"/admin/notify/workapp/{app.pk}/change/",
        {
            "kind": "wecom",
            "app_id": wecom.app_id,
            "secret": wecom.secret,
            "agent_id": wecom.agent_id,
            "api_base": wecom.url,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert WorkApp.objects.get().credentials_error == ""
    file_for_liu(school, now=NOW + 120 * S)
    assert delivery_sweep(now=NOW + 125 * S) >= 1 and wecom.sent


def test_an_unknown_user_fails_with_the_reason_and_falls_back_to_the_next_channel(
    school, wecom, wecom_app, sink, settings
):
    from shouwang.notify.models import WebhookEndpoint

    WebhookEndpoint.objects.create(name="值班大屏", url=sink.url, secret="x")
    mapped(school.liu, "left-the-school")
    rules(school.liu, (Channel.WECOM_APP, 0), (Channel.WEBHOOK, 5))
    report = file_for_liu(school)
    delivery_sweep(now=NOW)
    d = Delivery.objects.get(channel="wecom_app")
    assert d.state == "failed" and "81013" in d.last_error
    fell = Event.objects.get(verb="delivery.fell_back", subject_id=str(report.pk))
    assert fell.data["next_channel"] == "webhook" and "81013" in fell.data["reason"]
    assert delivery_sweep(now=NOW + S) == 1  # the webhook did not wait its 5 minutes
    assert Delivery.objects.get(channel="webhook").state == "sent"
    office = Client()
    office.force_login(school.chen)
    timeline = office.get(f"/reports/{report.pk}/timeline/").content.decode()
    assert (
        "无法通过企业微信应用消息（发给我）送达，立即改用下一渠道" in timeline
        and "81013" in timeline
    )


def test_invaliduser_in_a_200_is_a_failure(school, wecom, wecom_app):
    """WeCom answers errcode 0 when some recipients were valid, listing the others."""
    mapped(school.liu)
    rules(school.liu, (Channel.WECOM_APP, 0))
    file_for_liu(school)
    wecom.plan = [{"errcode": 0, "errmsg": "ok", "invaliduser": "liutongxue", "msgid": "m"}]
    delivery_sweep(now=NOW)
    d = Delivery.objects.get(channel="wecom_app")
    assert d.state == "failed" and "invaliduser" in d.last_error


def test_a_200_with_an_error_code_is_a_failure(school, wecom, wecom_app):
    WorkApp.objects.filter(pk=wecom_app.pk).update(agent_id="999")
    mapped(school.liu)
    rules(school.liu, (Channel.WECOM_APP, 0))
    file_for_liu(school)
    delivery_sweep(now=NOW)
    d = Delivery.objects.get(channel="wecom_app")
    assert d.state == "failed" and d.last_error == "wecom answered 40056: invalid agentid"


def test_matched_by_mobile_through_the_directory_and_stored(school, wecom, wecom_app):
    school.liu.phone = "13800000009"
    school.liu.save()
    rules(school.liu, (Channel.WECOM_APP, 0))
    file_for_liu(school)
    file_for_liu(school, now=NOW + S)
    assert delivery_sweep(now=NOW + 2 * S) == 2
    identity = WorkIdentity.objects.get(person=school.liu, kind="wecom")
    assert (identity.external_id, identity.source) == ("liutongxue", "directory")
    lookups = [r for r in wecom.requests if r["path"] == "/cgi-bin/user/getuserid"]
    assert len(lookups) == 1 and lookups[0]["body"] == {"mobile": "13800000009"}
    event = Event.objects.get(verb="work_identity.matched")
    assert event.data == {"kind": "wecom", "found": True}  # not the number, not the id


def test_no_id_and_no_match_falls_back_on_the_record(school, wecom, wecom_app, settings):
    settings.SMS = {**settings.SMS, "PROVIDER": "none"}
    school.zhang.phone = "13999999999"  # not in WeCom's directory
    school.zhang.save()
    rules(school.liu, (Channel.WECOM_APP, 0), (Channel.SMS, 5))  # liu: no phone at all
    file_for_liu(school)
    delivery_sweep(now=NOW)
    d = Delivery.objects.get(channel="wecom_app", recipient=school.liu)
    assert d.state == "cancelled" and "no mobile number" in d.last_error
    fell = Event.objects.get(verb="delivery.fell_back")
    assert fell.data["next_channel"] == "sms" and "no WeCom user id" in fell.data["reason"]
    # Someone the directory does not know: stored as unknown, not asked again at every message.
    person = school.zhang
    rules(person, (Channel.WECOM_APP, 0))
    from django.db import transaction

    from shouwang.notify.services import message_send

    with transaction.atomic():
        for i in range(2):
            message_send(
                subject_type="test",
                subject_id=i,
                kind="test.info",
                title="测试",
                recipients=[person],
                now=NOW + S,
            )
    delivery_sweep(now=NOW + 2 * S)
    assert len([r for r in wecom.requests if r["path"] == "/cgi-bin/user/getuserid"]) == 1
    assert WorkIdentity.objects.get(person=person).external_id == ""


@pytest.mark.parametrize(
    "answer", [{"errcode": 45009, "errmsg": "api freq out of limit"}, "500", "hang"]
)
def test_rate_limits_500s_and_hangs_are_retried_later(school, wecom, wecom_app, settings, answer):
    settings.NOTIFY_HTTP_TIMEOUT = 0.5
    mapped(school.liu)
    rules(school.liu, (Channel.WECOM_APP, 0))
    file_for_liu(school)
    wecom.plan = [answer]
    assert delivery_sweep(now=NOW) == 0
    d = Delivery.objects.get(channel="wecom_app")
    assert d.state == "pending" and d.attempts == 1 and NOW + 24 * S <= d.next_attempt_at
    assert delivery_sweep(now=NOW + 60 * S) == 1
    assert len(wecom.sent) == 1 and wecom.tokens_fetched == 1


def test_the_channel_rate_is_respected(school, wecom, wecom_app, settings):
    settings.NOTIFY_RATE_PER_MINUTE = {**settings.NOTIFY_RATE_PER_MINUTE, "wecom_app": 2}
    mapped(school.liu)
    rules(school.liu, (Channel.WECOM_APP, 0))
    for i in range(3):
        file_for_liu(school, now=NOW + i * S)
    assert delivery_sweep(now=NOW + 5 * S) == 2
    assert delivery_sweep(now=NOW + 70 * S) == 1


def test_acknowledging_cancels_the_work_message_still_waiting(school, wecom, wecom_app):
    from shouwang.reports.services import report_acknowledge

    mapped(school.liu)
    rules(school.liu, (Channel.EMAIL, 0), (Channel.WECOM_APP, 5))
    report = file_for_liu(school)
    report_acknowledge(actor=school.liu, report=report, channel="web", now=NOW + 60 * S)
    assert Delivery.objects.get(channel="wecom_app").state == "cancelled"
    assert delivery_sweep(now=NOW + 600 * S) == 0 and not wecom.sent


def test_no_secret_or_token_in_logs_errors_or_events(school, wecom, wecom_app, caplog, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    mapped(school.liu)
    rules(school.liu, (Channel.WECOM_APP, 0))
    file_for_liu(school)
    file_for_liu(school, now=NOW + S)
    wecom.plan = ["500", {"errcode": 40056, "errmsg": "invalid agentid"}]
    with caplog.at_level(logging.DEBUG):
        delivery_sweep(now=NOW + 2 * S)
    tokens = list(wecom.tokens)
    assert tokens
    texts = [caplog.text, *Delivery.objects.values_list("last_error", flat=True)]
    texts += [json.dumps(e.data, ensure_ascii=False) for e in Event.objects.all()]
    for text in texts:
        assert wecom.secret not in text and all(token not in text for token in tokens)
    assert set(Delivery.objects.filter(channel="wecom_app").values_list("state", flat=True)) == {
        "failed"
    }


def test_the_work_channels_are_offered_in_my_rules_and_as_the_school_default(school, settings):
    from shouwang.notify.services import rules_for

    client = Client()
    client.force_login(school.zhang)
    body = client.get("/notify/rules/").content.decode()
    for value in ("wecom_app", "dingtalk_app", "feishu_app"):
        assert f'<option value="{value}"' in body
    assert (
        client.post("/notify/rules/", {"channel_0": "wecom_app", "wait_0": "0"}).status_code == 302
    )
    assert rules_for(school.zhang) == [("inapp", 0), ("wecom_app", 0)]
    settings.NOTIFY_DEFAULT_RULES = [("wecom_app", 0), ("sms", 5)]
    assert rules_for(school.li) == [("inapp", 0), ("wecom_app", 0), ("sms", 5)]
    body = Client()
    body.force_login(school.li)
    page = body.get("/notify/rules/").content.decode()
    assert '<option value="wecom_app" selected>' in page


def test_the_admin_never_shows_the_secret_again(school, wecom_app):
    admin = Client()
    admin.force_login(school.admin)
    page = admin.get(f"/admin/notify/workapp/{wecom_app.pk}/change/").content.decode()
    assert wecom_app.secret not in page and 'type="password"' in page
    assert "access_token" not in page


def test_a_directory_id_wecom_no_longer_knows_is_forgotten_but_an_admins_is_kept(
    school, wecom, wecom_app
):
    WorkIdentity.objects.create(
        person=school.liu,
        kind="wecom",
        external_id="moved-away",
        checked_at=NOW,
        source="directory",
    )
    mapped(school.zhang, "typo-by-admin")
    rules(school.liu, (Channel.WECOM_APP, 0))
    rules(school.zhang, (Channel.WECOM_APP, 0))
    from django.db import transaction

    from shouwang.notify.services import message_send

    with transaction.atomic():
        message_send(
            subject_type="test",
            subject_id=1,
            kind="test.info",
            title="测试",
            recipients=[school.liu, school.zhang],
            now=NOW,
        )
    delivery_sweep(now=NOW)
    assert WorkIdentity.objects.get(person=school.liu).external_id == ""
    assert WorkIdentity.objects.get(person=school.zhang).external_id == "typo-by-admin"

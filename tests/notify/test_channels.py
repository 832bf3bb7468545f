"""Every channel against a real local server; retries, rate limits, reclaim, secrets."""

import base64
import datetime
import hashlib
import hmac
import json
import logging
import urllib.parse

import pytest
from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.notify.models import BotEndpoint, Channel, Delivery, NotificationRule, WebhookEndpoint
from shouwang.notify.providers.sms import aliyun_signature, tencent_authorization
from shouwang.notify.sweep import delivery_reclaim, delivery_sweep
from shouwang.reports.services import report_acknowledge, report_file

SECRET = "SEC-very-secret-value-42"
NOW = timezone.now()
S = datetime.timedelta(seconds=1)


def rules(person, *channels):
    NotificationRule.objects.filter(person=person).delete()
    for i, (channel, wait) in enumerate(channels):
        NotificationRule.objects.create(
            person=person, position=i, channel=channel, wait_minutes=wait
        )


def file_for_liu(school, now=NOW):
    return report_file(
        actor=school.chen,
        category="night_absence",
        severity="general",
        unit="D01-101",
        occurred_at=now - 5 * 60 * S,
        place="1号楼101室",
        description="张三未归",
        students=["2024010101"],
        now=now,
    )


def pending(channel):
    return Delivery.objects.filter(channel=channel)


def test_signed_webhook_reaches_the_sink_with_the_ack_link(school, sink):
    WebhookEndpoint.objects.create(name="值班大屏", url=sink.url + "/hook", secret=SECRET)
    rules(school.liu, (Channel.WEBHOOK, 0))
    report = file_for_liu(school)
    assert delivery_sweep(now=NOW) == 1
    request = sink.requests[0]
    ts, body = request["headers"]["X-Shouwang-Timestamp"], request["body"]
    expected = (
        "sha256=" + hmac.new(SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    )
    assert request["headers"]["X-Shouwang-Signature"] == expected
    payload = json.loads(body)
    assert payload["recipient"]["name"] == "刘同学" and "/ack/" in payload["ack_url"]
    assert request["headers"]["Idempotency-Key"] == payload["id"]
    assert Delivery.objects.get(channel="webhook").state == "sent"
    assert Event.objects.filter(
        verb="delivery.sent", subject_id=str(report.pk), data__channel="webhook"
    ).exists()


def test_500_then_timeout_retry_with_backoff_then_success(school, sink, settings):
    settings.NOTIFY_HTTP_TIMEOUT = 0.5
    WebhookEndpoint.objects.create(name="x", url=sink.url, secret=SECRET)
    rules(school.liu, (Channel.WEBHOOK, 0))
    file_for_liu(school)
    sink.plan = ["500", "hang"]
    assert delivery_sweep(now=NOW) == 0
    d = Delivery.objects.get(channel="webhook")
    assert d.state == "pending" and d.attempts == 1 and "500" in d.last_error
    assert NOW + 24 * S <= d.next_attempt_at <= NOW + 36 * S  # 30 s ± 20 %
    assert delivery_sweep(now=NOW + 10 * S) == 0  # not due yet: nothing is sent early
    assert delivery_sweep(now=NOW + 40 * S) == 0  # the sink hangs past the client timeout
    d.refresh_from_db()
    assert d.attempts == 2 and "network" in d.last_error
    assert NOW + 40 * S + 48 * S <= d.next_attempt_at <= NOW + 40 * S + 72 * S  # 60 s ± 20 %
    assert delivery_sweep(now=NOW + 200 * S) == 1
    d.refresh_from_db()
    assert d.state == "sent" and len({r["headers"]["Idempotency-Key"] for r in sink.requests}) == 1


def test_gives_up_after_max_attempts_on_the_record(school, sink, settings):
    settings.NOTIFY_MAX_ATTEMPTS = 2
    WebhookEndpoint.objects.create(name="x", url=sink.url, secret=SECRET)
    rules(school.liu, (Channel.WEBHOOK, 0))
    report = file_for_liu(school)
    sink.plan = ["500", "500"]
    delivery_sweep(now=NOW)
    delivery_sweep(now=NOW + 3600 * S)
    assert Delivery.objects.get(channel="webhook").state == "failed"
    assert Event.objects.filter(verb="delivery.failed", subject_id=str(report.pk)).exists()


def test_a_4xx_is_permanent(school, sink):
    WebhookEndpoint.objects.create(name="x", url=sink.url + "/missing", secret=SECRET)
    rules(school.liu, (Channel.WEBHOOK, 0))
    file_for_liu(school)
    sink.plan = ["404"]
    assert delivery_sweep(now=NOW) == 0
    d = Delivery.objects.get(channel="webhook")
    assert (d.state, d.attempts, d.last_error) == ("failed", 1, "HTTP 404")


def test_dingtalk_is_signed_and_mentions_the_phone(school, sink):
    school.liu.phone = "13800000009"
    school.liu.save()
    BotEndpoint.objects.create(
        unit=school.d01,
        kind="dingtalk",
        name="1号楼群",
        url=sink.url + "/robot/send?access_token=TOKEN",
        secret=SECRET,
    )
    rules(school.liu, (Channel.DINGTALK, 0))
    file_for_liu(school)
    assert delivery_sweep(now=NOW) == 1
    request = sink.requests[0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request["path"]).query)
    ts = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{ts}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"][0] == expected
    assert json.loads(request["body"])["at"]["atMobiles"] == ["13800000009"]


def test_wecom_and_feishu_with_a_provider_error(school, sink):
    BotEndpoint.objects.create(
        unit=school.sch, kind="wecom", name="学校群", url=sink.url + "/wecom", secret=""
    )
    BotEndpoint.objects.create(
        unit=school.sch, kind="feishu", name="飞书群", url=sink.url + "/feishu", secret=SECRET
    )
    rules(school.liu, (Channel.WECOM, 0), (Channel.FEISHU, 0))
    report = file_for_liu(school)
    sink.plan = [{"errcode": 0}, {"code": 19001, "msg": "param invalid"}]
    delivery_sweep(now=NOW)
    states = dict(Delivery.objects.exclude(channel="inapp").values_list("channel", "state"))
    assert states == {"wecom": "sent", "feishu": "failed"}
    feishu = json.loads(next(r["body"] for r in sink.requests if r["path"] == "/feishu"))
    expected = base64.b64encode(
        hmac.new(f"{feishu['timestamp']}\n{SECRET}".encode(), b"", hashlib.sha256).digest()
    ).decode()
    assert feishu["sign"] == expected
    assert Event.objects.filter(
        verb="delivery.failed", subject_id=str(report.pk), data__channel="feishu"
    ).exists()


def test_email_through_a_real_smtp_server(school, smtp, settings):
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    school.liu.email = "liu@example.edu.cn"
    school.liu.save()
    rules(school.liu, (Channel.EMAIL, 0))
    file_for_liu(school)
    assert delivery_sweep(now=NOW) == 1
    message = smtp.received[0]
    assert message["To"] == "liu@example.edu.cn"
    key = Delivery.objects.get(channel="email").idempotency_key
    assert message["Message-ID"] == f"<{key}@shouwang>"
    body = message.get_payload(decode=True).decode("utf-8")
    assert "张三未归" in body and "/ack/" in body


def test_unconfigured_channels_are_cancelled_with_the_reason(school, settings):
    settings.EMAIL_HOST = ""
    rules(school.liu, (Channel.EMAIL, 0), (Channel.SMS, 0))
    file_for_liu(school)
    delivery_sweep(now=NOW)
    reasons = dict(Delivery.objects.exclude(channel="inapp").values_list("channel", "last_error"))
    assert set(Delivery.objects.exclude(channel="inapp").values_list("state", flat=True)) == {
        "cancelled"
    }
    assert "not configured" in reasons["email"] and "not configured" in reasons["sms"]
    # Nothing went out, so no one-tap acknowledgement link was minted for them.
    from shouwang.reports.models import AckLink

    assert not AckLink.objects.exists()


def test_aliyun_sms_request_is_signed_per_the_published_algorithm(school, sink, settings):
    settings.SMS = {
        **settings.SMS,
        "PROVIDER": "aliyun",
        "ACCESS_KEY_ID": "AKID",
        "ACCESS_KEY_SECRET": SECRET,
        "SIGN_NAME": "守望",
        "TEMPLATE_CODE": "SMS_1",
        "ENDPOINT": sink.url + "/",
    }
    school.liu.phone = "13800000009"
    school.liu.save()
    rules(school.liu, (Channel.SMS, 0))
    file_for_liu(school)
    assert delivery_sweep(now=NOW) == 1
    params = dict(urllib.parse.parse_qsl(sink.requests[0]["body"].decode()))
    signature = params.pop("Signature")
    assert signature == aliyun_signature(SECRET, params)
    assert (
        params["PhoneNumbers"] == "13800000009"
        and params["OutId"] == Delivery.objects.get(channel="sms").idempotency_key
    )


def test_tencent_sms_request_carries_tc3_authorization(school, sink, settings):
    settings.SMS = {
        **settings.SMS,
        "PROVIDER": "tencent",
        "ACCESS_KEY_ID": "AKID",
        "ACCESS_KEY_SECRET": SECRET,
        "SIGN_NAME": "守望",
        "TEMPLATE_CODE": "123",
        "APP_ID": "1400000000",
        "ENDPOINT": sink.url + "/",
    }
    school.liu.phone = "13800000009"
    school.liu.save()
    rules(school.liu, (Channel.SMS, 0))
    file_for_liu(school)
    sink.plan = [{"Response": {"SendStatusSet": [{"Code": "Ok", "SerialNo": "S1"}]}}]
    assert delivery_sweep(now=NOW) == 1
    request = sink.requests[0]
    host = sink.url.split("//")[1]
    expected = tencent_authorization(
        "AKID", SECRET, host, request["body"].decode(), int(request["headers"]["X-TC-Timestamp"])
    )
    assert request["headers"]["Authorization"] == expected
    assert json.loads(request["body"])["PhoneNumberSet"] == ["+8613800000009"]


def test_rate_limit_spreads_sends_over_minutes(school, sink, settings):
    settings.NOTIFY_RATE_PER_MINUTE = {**settings.NOTIFY_RATE_PER_MINUTE, "webhook": 2}
    WebhookEndpoint.objects.create(name="x", url=sink.url, secret=SECRET)
    rules(school.liu, (Channel.WEBHOOK, 0))
    for i in range(5):
        file_for_liu(school, now=NOW + i * S)
    assert delivery_sweep(now=NOW + 10 * S) == 2
    assert delivery_sweep(now=NOW + 20 * S) == 0
    assert delivery_sweep(now=NOW + 80 * S) == 2
    assert delivery_sweep(now=NOW + 150 * S) == 1


def test_a_stuck_sending_delivery_is_reclaimed_and_sent_once_more(school, sink):
    WebhookEndpoint.objects.create(name="x", url=sink.url, secret=SECRET)
    rules(school.liu, (Channel.WEBHOOK, 0))
    file_for_liu(school)
    # A worker claimed it and was killed before recording anything.
    Delivery.objects.filter(channel="webhook").update(state="sending", claimed_at=NOW, attempts=1)
    assert delivery_reclaim(now=NOW + 60 * S) == 0  # not stale yet: it may still be on its way
    assert delivery_sweep(now=NOW + 60 * S) == 0
    assert delivery_reclaim(now=NOW + 200 * S) == 1
    assert delivery_sweep(now=NOW + 200 * S) == 1
    d = Delivery.objects.get(channel="webhook")
    assert d.state == "sent" and d.attempts == 2


def test_acknowledgement_cancels_the_later_channels(school, sink):
    WebhookEndpoint.objects.create(name="x", url=sink.url, secret=SECRET)
    rules(school.liu, (Channel.WEBHOOK, 0), (Channel.SMS, 5))
    report = file_for_liu(school)
    delivery_sweep(now=NOW)
    report_acknowledge(actor=school.liu, report=report, channel="web", now=NOW + 60 * S)
    assert Delivery.objects.get(channel="sms").state == "cancelled"
    assert delivery_sweep(now=NOW + 600 * S) == 0


def test_one_sweep_sends_a_batch_and_records_each_outcome(school, sink):
    """Due deliveries are claimed and recorded together, each with its own outcome: one sent,
    one to retry, and an inbox that has nothing to send."""
    from shouwang.reports.models import AckLink

    WebhookEndpoint.objects.create(name="x", url=sink.url, secret=SECRET)
    rules(school.liu, (Channel.WEBHOOK, 0))
    first, second = file_for_liu(school), file_for_liu(school, now=NOW + S)
    sink.plan = ["500", {}]
    assert delivery_sweep(now=NOW + 2 * S, worker_id="w1") == 1
    states = sorted(
        Delivery.objects.filter(channel="webhook").values_list(
            "message__subject_id", "state", "attempts"
        )
    )
    assert states == [(str(first.pk), "pending", 1), (str(second.pk), "sent", 1)]
    assert Event.objects.filter(verb="delivery.sent").count() == 1
    assert AckLink.objects.count() == 2  # each request carried its own one-tap link
    # A second worker finds nothing due: the retry waits for its backoff.
    assert delivery_sweep(now=NOW + 3 * S, worker_id="w2") == 0 and len(sink.requests) == 2


def test_no_secret_in_logs_errors_or_events(school, sink, settings, caplog):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    BotEndpoint.objects.create(
        unit=school.sch,
        kind="dingtalk",
        name="x",
        url=sink.url + f"/robot/send?access_token={SECRET}",
        secret=SECRET,
    )
    rules(school.liu, (Channel.DINGTALK, 0))
    report = file_for_liu(school)
    sink.plan = ["500"]
    with caplog.at_level(logging.DEBUG):
        delivery_sweep(now=NOW)
    d = Delivery.objects.get(channel="dingtalk")
    assert d.state == "failed"
    assert SECRET not in d.last_error and SECRET not in caplog.text
    for event in Event.objects.filter(subject_id=str(report.pk)):
        assert SECRET not in json.dumps(event.data, ensure_ascii=False)


def test_an_unexpected_error_is_retried_and_logged_without_its_text(
    school, sink, monkeypatch, caplog
):
    """A bug in a provider must not lose the batch's other outcomes, and its message (which may
    hold a robot URL with its key) is not logged."""
    from shouwang.notify.providers import webhook

    WebhookEndpoint.objects.create(name="x", url=sink.url, secret=SECRET)
    rules(school.liu, (Channel.WEBHOOK, 0))
    file_for_liu(school)

    def broken(delivery, rendered):
        raise RuntimeError(f"cannot reach https://robot.example/send?key={SECRET}")

    monkeypatch.setattr(webhook, "send", broken)
    with caplog.at_level(logging.DEBUG):
        assert delivery_sweep(now=NOW) == 0
    d = Delivery.objects.get(channel="webhook")
    assert (d.state, d.attempts, d.last_error) == ("pending", 1, "internal error (RuntimeError)")
    assert "RuntimeError" in caplog.text and SECRET not in caplog.text


pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")

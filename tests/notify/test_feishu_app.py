"""Feishu application messages against a local server speaking Feishu's API: the interactive
card and its button, the cached tenant token (refreshed once when Feishu says it expired, in
the body of a 400), matching by mobile, refusals, rate limits and no secret anywhere."""

import datetime
import json
import logging

import pytest
from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.notify.models import Channel, Delivery, WorkApp, WorkIdentity
from shouwang.notify.sweep import delivery_sweep

from .test_channels import file_for_liu, rules
from .workservers import FeishuServer

NOW = timezone.now()
S = datetime.timedelta(seconds=1)


@pytest.fixture
def feishu():
    server = FeishuServer().start()
    server.add_user("u_liu", mobile="13800000009")
    yield server
    server.stop()


@pytest.fixture
def feishu_app(feishu, db):
    return WorkApp.objects.create(
        kind="feishu", app_id=feishu.app_id, secret=feishu.secret, api_base=feishu.url
    )


def test_interactive_card_with_the_acknowledging_button(school, feishu, feishu_app):
    school.liu.phone = "13800000009"
    school.liu.save()
    rules(school.liu, (Channel.FEISHU_APP, 0))
    file_for_liu(school)
    assert delivery_sweep(now=NOW) == 1
    message = feishu.sent[0]
    assert message["receive_id"] == "u_liu" and message["msg_type"] == "interactive"
    card = json.loads(message["content"])
    button = card["elements"][-1]["actions"][0]
    assert button["text"]["content"] == "确认收到" and "/ack/" in button["url"]
    assert message["uuid"] == Delivery.objects.get(channel="feishu_app").idempotency_key
    token_request = next(
        r for r in feishu.requests if r["path"].endswith("tenant_access_token/internal")
    )
    assert token_request["body"] == {"app_id": feishu.app_id, "app_secret": feishu.secret}
    assert WorkIdentity.objects.get(person=school.liu, kind="feishu").external_id == "u_liu"
    assert Delivery.objects.get(channel="feishu_app").state == "sent"


def test_token_refreshed_once_for_a_burst(school, feishu, feishu_app):
    WorkIdentity.objects.create(
        person=school.liu, kind="feishu", external_id="u_liu", checked_at=NOW
    )
    rules(school.liu, (Channel.FEISHU_APP, 0))
    file_for_liu(school)
    delivery_sweep(now=NOW)
    feishu.expire_tokens()
    for i in range(3):
        file_for_liu(school, now=NOW + (i + 1) * S)
    assert delivery_sweep(now=NOW + 5 * S) == 3
    assert feishu.tokens_fetched == 2 and len(feishu.sent) == 4


def test_refused_user_falls_back_and_rate_limit_is_retried(
    school, feishu, feishu_app, settings, caplog
):
    settings.SMS = {**settings.SMS, "PROVIDER": "none"}
    WorkIdentity.objects.create(
        person=school.liu, kind="feishu", external_id="u_gone", checked_at=NOW
    )
    rules(school.liu, (Channel.FEISHU_APP, 0), (Channel.SMS, 10))
    report = file_for_liu(school)
    with caplog.at_level(logging.DEBUG):
        delivery_sweep(now=NOW)
    d = Delivery.objects.get(channel="feishu_app")
    assert d.state == "failed" and "230013" in d.last_error
    assert Event.objects.filter(verb="delivery.fell_back", subject_id=str(report.pk)).exists()
    WorkIdentity.objects.filter(person=school.liu).update(external_id="u_liu")
    file_for_liu(school, now=NOW + S)
    feishu.plan = [(400, {"code": 99991400, "msg": "request trigger frequency limit"})]
    delivery_sweep(now=NOW + 2 * S)
    second = Delivery.objects.filter(channel="feishu_app").order_by("-pk").first()
    assert second.state == "pending" and "99991400" in second.last_error
    assert delivery_sweep(now=NOW + 120 * S) == 1
    for text in [caplog.text, *Delivery.objects.values_list("last_error", flat=True)]:
        assert feishu.secret not in text and all(t not in text for t in feishu.tokens)


def test_wrong_secret_is_told_once(school, feishu, feishu_app):
    WorkApp.objects.filter(pk=feishu_app.pk).update(secret="not-the-secret-55")
    WorkIdentity.objects.create(
        person=school.liu, kind="feishu", external_id="u_liu", checked_at=NOW
    )
    rules(school.liu, (Channel.FEISHU_APP, 0))
    file_for_liu(school)
    file_for_liu(school, now=NOW + S)
    delivery_sweep(now=NOW + 2 * S)
    assert set(Delivery.objects.filter(channel="feishu_app").values_list("state", flat=True)) == {
        "failed"
    }
    assert len(feishu.requests) == 1
    assert "10014" in WorkApp.objects.get().credentials_error
    assert Event.objects.filter(verb="work_app.credentials_refused").count() == 1


@pytest.mark.parametrize("answer", ["500", "hang"])
def test_500s_and_hangs_are_retried_and_feishu_drops_the_repeat(
    school, feishu, feishu_app, settings, answer
):
    settings.NOTIFY_HTTP_TIMEOUT = 0.5
    WorkIdentity.objects.create(
        person=school.liu, kind="feishu", external_id="u_liu", checked_at=NOW
    )
    rules(school.liu, (Channel.FEISHU_APP, 0))
    file_for_liu(school)
    feishu.plan = [answer]
    assert delivery_sweep(now=NOW) == 0
    d = Delivery.objects.get(channel="feishu_app")
    assert d.state == "pending" and d.attempts == 1
    assert delivery_sweep(now=NOW + 60 * S) == 1
    sends = [r for r in feishu.requests if r["path"] == "/open-apis/im/v1/messages"]
    # Both attempts carried the same uuid: had the first arrived, Feishu would drop the second.
    assert len(sends) == 2 and len({r["body"]["uuid"] for r in sends}) == 1
    assert feishu.tokens_fetched == 1

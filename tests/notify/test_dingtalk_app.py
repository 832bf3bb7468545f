"""DingTalk work notifications against a local server speaking DingTalk's API: the action_card
button, the task id kept and getsendresult polled so DingTalk's answer (not the send call)
decides delivered or failed, the cached token, errors and no secret anywhere."""

import datetime
import json
import logging

import pytest
from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.notify.models import Channel, Delivery, WorkApp, WorkIdentity
from shouwang.notify.providers.dingtalk_app import results_poll
from shouwang.notify.sweep import delivery_sweep

from .test_channels import file_for_liu, rules
from .workservers import DingTalkServer

NOW = timezone.now()
S = datetime.timedelta(seconds=1)


@pytest.fixture
def ding():
    server = DingTalkServer().start()
    server.add_user("liu01", mobile="13800000009")
    yield server
    server.stop()


@pytest.fixture
def ding_app(ding, db):
    return WorkApp.objects.create(
        kind="dingtalk",
        app_id=ding.app_id,
        secret=ding.secret,
        agent_id=ding.agent_id,
        api_base=ding.url,
    )


def mapped(person, userid="liu01"):
    WorkIdentity.objects.create(person=person, kind="dingtalk", external_id=userid, checked_at=NOW)


def test_action_card_accepted_then_delivered_by_dingtalks_answer(school, ding, ding_app):
    mapped(school.liu)
    rules(school.liu, (Channel.DINGTALK_APP, 0))
    report = file_for_liu(school)
    assert delivery_sweep(now=NOW) == 1
    body = ding.sent[0]
    assert body["agent_id"] == 2000001 and body["userid_list"] == "liu01"
    card = body["msg"]["action_card"]
    assert body["msg"]["msgtype"] == "action_card" and card["single_title"] == "确认收到"
    assert "/ack/" in card["single_url"] and "张三未归" in card["markdown"]
    d = Delivery.objects.get(channel="dingtalk_app")
    # The send call only says DingTalk took it: not delivered yet.
    assert d.state == "accepted" and d.claimed_by == "dingtalk_app:task:700001"
    ding.results["liu01"] = "pending"
    assert results_poll(now=NOW + 30 * S) == 0
    assert Delivery.objects.get(pk=d.pk).state == "accepted"
    ding.results["liu01"] = "unread"
    assert results_poll(now=NOW + 60 * S) == 1
    assert Delivery.objects.get(pk=d.pk).state == "sent"
    assert Event.objects.filter(
        verb="delivery.sent", subject_id=str(report.pk), data__channel="dingtalk_app"
    ).exists()
    polls = [r for r in ding.requests if r["path"].endswith("getsendresult")]
    assert polls[0]["body"] == {"agent_id": 2000001, "task_id": 700001}
    assert ding.tokens_fetched == 1


def test_a_user_dingtalk_could_not_reach_fails_and_falls_back(school, ding, ding_app, settings):
    settings.SMS = {**settings.SMS, "PROVIDER": "none"}
    mapped(school.liu)
    rules(school.liu, (Channel.DINGTALK_APP, 0), (Channel.SMS, 10))
    report = file_for_liu(school)
    delivery_sweep(now=NOW)
    ding.results["liu01"] = "failed"
    assert results_poll(now=NOW + 30 * S) == 1
    d = Delivery.objects.get(channel="dingtalk_app")
    assert d.state == "failed" and "failed_user_id_list" in d.last_error
    assert Delivery.objects.get(channel="sms").next_attempt_at <= NOW + 30 * S
    assert Event.objects.filter(
        verb="delivery.fell_back", subject_id=str(report.pk), data__next_channel="sms"
    ).exists()
    assert Event.objects.filter(verb="delivery.failed", data__channel="dingtalk_app").exists()


def test_a_task_never_answered_is_given_up_after_an_hour(school, ding, ding_app):
    mapped(school.liu)
    rules(school.liu, (Channel.DINGTALK_APP, 0))
    file_for_liu(school)
    sent_at = timezone.now()
    delivery_sweep(now=NOW)
    ding.results["liu01"] = "pending"
    assert results_poll(now=sent_at + 59 * 60 * S) == 0
    assert results_poll(now=sent_at + 61 * 60 * S) == 1
    assert (
        Delivery.objects.get(channel="dingtalk_app").last_error
        == "dingtalk never confirmed the work notification"
    )


def test_expired_token_is_refreshed_once_and_matching_by_mobile(school, ding, ding_app):
    school.liu.phone = "13800000009"
    school.liu.save()
    rules(school.liu, (Channel.DINGTALK_APP, 0))
    file_for_liu(school)
    delivery_sweep(now=NOW)
    assert WorkIdentity.objects.get(person=school.liu, kind="dingtalk").external_id == "liu01"
    ding.expire_tokens()
    for i in range(3):
        file_for_liu(school, now=NOW + (i + 1) * S)
    assert delivery_sweep(now=NOW + 5 * S) == 3
    assert results_poll(now=NOW + 30 * S) == 4
    assert ding.tokens_fetched == 2


def test_wrong_secret_rate_limit_and_errors(school, ding, ding_app, settings, caplog):
    settings.NOTIFY_HTTP_TIMEOUT = 0.5
    mapped(school.liu)
    rules(school.liu, (Channel.DINGTALK_APP, 0))
    file_for_liu(school)
    ding.plan = [
        {"errcode": 90018, "errmsg": "频率超限"},
        "500",
        "hang",
        {"errcode": 33012, "errmsg": "无效的USERID"},
    ]
    with caplog.at_level(logging.DEBUG):
        for minute in range(4):
            delivery_sweep(now=NOW + minute * 3600 * S)
    d = Delivery.objects.get(channel="dingtalk_app")
    assert d.state == "failed" and d.attempts == 4 and "33012" in d.last_error
    WorkApp.objects.filter(pk=ding_app.pk).update(secret="wrong-ding-secret-88", access_token="")
    file_for_liu(school, now=NOW + 5 * 3600 * S)
    delivery_sweep(now=NOW + 5 * 3600 * S + S)
    second = Delivery.objects.filter(channel="dingtalk_app").order_by("-pk").first()
    assert second.state == "failed" and "40089" in second.last_error
    texts = [caplog.text, *Delivery.objects.values_list("last_error", flat=True)]
    texts += [json.dumps(e.data, ensure_ascii=False) for e in Event.objects.all()]
    for text in texts:
        assert ding.secret not in text and "wrong-ding-secret-88" not in text
        assert all(token not in text for token in ding.tokens)


def test_an_invalid_directory_id_is_forgotten(school, ding, ding_app):
    WorkIdentity.objects.create(
        person=school.liu, kind="dingtalk", external_id="gone01", checked_at=NOW, source="directory"
    )
    rules(school.liu, (Channel.DINGTALK_APP, 0))
    file_for_liu(school)
    delivery_sweep(now=NOW)
    assert results_poll(now=NOW + 30 * S) == 1
    d = Delivery.objects.get(channel="dingtalk_app")
    assert d.state == "failed" and "invalid_user_id_list" in d.last_error
    assert WorkIdentity.objects.get(person=school.liu).external_id == ""

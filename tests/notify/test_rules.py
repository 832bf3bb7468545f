import re

from django.test import Client
from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.notify.models import Channel, Delivery, NotificationRule
from shouwang.notify.services import DEFAULT_RULES, message_send, notification_rules_set, rules_for


def test_person_sets_own_rules_and_they_drive_deliveries(school):
    client = Client()
    client.force_login(school.zhang)
    page = client.get("/notify/rules/")
    assert page.status_code == 200 and "我的通知方式" in page.content.decode()
    response = client.post(
        "/notify/rules/",
        {"channel_0": "dingtalk", "wait_0": "0", "channel_1": "sms", "wait_1": "3"},
    )
    assert response.status_code == 302
    assert rules_for(school.zhang) == [("inapp", 0), ("dingtalk", 0), ("sms", 3)]
    assert Event.objects.get(verb="notification_rules.changed").actor == school.zhang


def test_bad_rules_change_nothing(school):
    client = Client()
    client.force_login(school.zhang)
    before = Event.objects.count()
    response = client.post(
        "/notify/rules/", {"channel_0": "sms", "wait_0": "999", "channel_1": "sms", "wait_1": "1"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "120" in body and "只能出现一次" in body
    assert not NotificationRule.objects.exists() and Event.objects.count() == before


def _rows(body):
    """(selected channel, minutes) of each row of the form, as the page shows them."""
    rows = []
    for i in range(5):
        select = re.search(
            rf'<select id="channel_{i}" name="channel_{i}">(.*?)</select>', body, re.S
        ).group(1)
        chosen = re.search(r'<option value="(\w*)" selected>', select)
        wait = re.search(rf'name="wait_{i}" value="([^"]*)"', body).group(1)
        rows.append((chosen.group(1) if chosen else "", wait))
    return rows


def test_every_channel_empty_means_only_the_inbox_and_is_kept(school):
    client = Client()
    client.force_login(school.zhang)
    response = client.post("/notify/rules/", {f"channel_{i}": "" for i in range(5)})
    assert response.status_code == 302
    assert rules_for(school.zhang) == [("inapp", 0)]
    assert Event.objects.get(verb="notification_rules.changed").data == {"rules": [["inapp", 0]]}
    body = client.get("/notify/rules/").content.decode()
    # Not the defaults again: every row is empty, and the page does not claim defaults apply.
    assert "在您保存自己的设置之前" not in body and 'id="inbox-only"' in body
    assert [channel for channel, _wait in _rows(body)] == [""] * 5


def test_inbox_only_person_gets_only_the_inapp_delivery(school):
    notification_rules_set(actor=school.zhang, rules=[])
    notification_rules_set(actor=school.sun, rules=[("sms", 0)])
    now = timezone.now()
    message_id = message_send(
        subject_type="test",
        subject_id=1,
        kind="test.info",
        title="测试",
        recipients=[school.zhang, school.sun, school.li],
        now=now,
    )
    sent = set(
        Delivery.objects.filter(message_id=message_id).values_list("recipient__username", "channel")
    )
    assert {c for u, c in sent if u == "zhang"} == {Channel.INAPP}
    assert {c for u, c in sent if u == "sun"} == {Channel.INAPP, Channel.SMS}
    assert {c for u, c in sent if u == "li"} == {
        c for c, _w in DEFAULT_RULES
    }  # no rules: the defaults


def test_a_rejected_form_keeps_what_was_typed(school):
    client = Client()
    client.force_login(school.zhang)
    client.post("/notify/rules/", {"channel_0": "email", "wait_0": "0"})
    response = client.post(
        "/notify/rules/",
        {
            "channel_0": "",
            "wait_0": "0",
            "channel_1": "dingtalk",
            "wait_1": "2",
            "channel_2": "sms",
            "wait_2": "500",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "第2行：等待时间须为 0 到 120 分钟。" in body
    # The typed rows, filled-in ones first so "第2行" is the second row on the page; not the
    # stored email rule.
    assert _rows(body)[:3] == [("dingtalk", "2"), ("sms", "500"), ("", "0")]
    assert rules_for(school.zhang) == [("inapp", 0), ("email", 0)]


def test_back_to_the_defaults(school):
    client = Client()
    client.force_login(school.zhang)
    client.post("/notify/rules/", {"channel_0": ""})
    assert client.post("/notify/rules/", {"default": "1"}).status_code == 302
    assert not NotificationRule.objects.filter(person=school.zhang).exists()
    assert rules_for(school.zhang) == list(DEFAULT_RULES)
    assert "在您保存自己的设置之前" in client.get("/notify/rules/").content.decode()


def test_every_field_has_a_visible_label(school):
    client = Client()
    client.force_login(school.zhang)
    body = client.get("/notify/rules/").content.decode()
    for i in range(5):
        assert f'<label for="channel_{i}">渠道</label>' in body
        assert f'<label for="wait_{i}">等待分钟</label>' in body

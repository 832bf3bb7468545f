from django.test import Client

from shouwang.audit.models import Event
from shouwang.notify.models import NotificationRule
from shouwang.notify.services import rules_for


def test_person_sets_own_rules_and_they_drive_deliveries(school):
    client = Client()
    client.force_login(school.zhang)
    page = client.get("/notify/rules/")
    assert page.status_code == 200 and "我的通知方式" in page.content.decode()
    response = client.post("/notify/rules/", {"channel_0": "dingtalk", "wait_0": "0", "channel_1": "sms", "wait_1": "3"})
    assert response.status_code == 302
    assert rules_for(school.zhang) == [("inapp", 0), ("dingtalk", 0), ("sms", 3)]
    assert Event.objects.get(verb="notification_rules.changed").actor == school.zhang


def test_bad_rules_change_nothing(school):
    client = Client()
    client.force_login(school.zhang)
    before = Event.objects.count()
    response = client.post("/notify/rules/", {"channel_0": "sms", "wait_0": "999", "channel_1": "sms", "wait_1": "1"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "120" in body and "只能出现一次" in body
    assert not NotificationRule.objects.exists() and Event.objects.count() == before

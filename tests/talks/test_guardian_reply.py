"""A guardian's phone is verified by an SMS reply where the provider's inbound (上行) callback is
configured: the SMS (through a local HTTP sink speaking Aliyun's format) offers a 6-digit code,
the provider posts the reply to /api/v1/talks/sms-inbound?key=…, and only the right code from the
very number the SMS went to verifies it — once. A wrong key is 403, no key configured is 404,
wrong codes are counted and then the code stops working."""

import datetime
import json
import re
import urllib.parse

import pytest
from django.test import Client
from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.escalation.sweep import deadline_sweep
from shouwang.org.models import Student
from shouwang.talks.models import GuardianLink
from shouwang.talks.services import REPLY_MISSES_MAX, guardian_verification_send

SECRET = "inbound-shared-secret-1234"
URL = "/api/v1/talks/sms-inbound"


@pytest.fixture
def aliyun(settings, aliyun_sms):
    settings.SMS_INBOUND_SECRET = SECRET
    return aliyun_sms


def sent_code(server) -> str:
    params = dict(urllib.parse.parse_qsl(server.requests[-1]["body"].decode()))
    title = json.loads(params["TemplateParam"])["title"]
    assert title.startswith("家长手机号核验，或回复验证码") and len(title) <= 30
    return re.search(r"\d{6}", title).group(0)


def reply(body, key=SECRET):
    return Client().post(f"{URL}?key={key}", json.dumps(body), content_type="application/json")


def verified(school) -> bool:
    return Student.objects.get(pk=school.zhangsan.pk).guardian_phone_verified


def test_the_right_code_from_the_guardians_number_verifies_it_once(school, aliyun):
    guardian_verification_send(actor=school.zhang, student=school.zhangsan)
    assert deadline_sweep(now=timezone.now()) == 1
    code = sent_code(aliyun)
    link = GuardianLink.objects.get()
    assert not link.pending_code and link.reply_hash and code not in link.reply_hash
    # Tencent's shape, from another number: nothing.
    answer = reply({"mobile": "13900000009", "nationcode": "86", "text": code})
    assert answer.status_code == 200 and answer.json()["verified"] == 0
    assert not verified(school)
    # Aliyun's shape (a list), from the guardian's number with the country code: verified.
    answer = reply([{"phone_number": "+86 139 0000 0001", "content": f"验证码{code}，收到"}])
    assert answer.status_code == 200
    assert answer.json() == {"code": 0, "msg": "OK", "result": 0, "errmsg": "OK", "verified": 1}
    assert verified(school)
    assert GuardianLink.objects.get().used_at is not None
    events = Event.objects.filter(verb="student.guardian_replied")
    assert [e.data["verified"] for e in events] == [True]
    assert code not in json.dumps([e.data for e in Event.objects.all()])
    # The provider retries the same callback: nothing more happens.
    assert reply([{"phone_number": "13900000001", "content": code}]).json()["verified"] == 0
    assert Event.objects.filter(verb="student.guardian_verified").count() == 1


def test_wrong_codes_are_counted_and_then_the_code_stops_working(school, aliyun):
    guardian_verification_send(actor=school.zhang, student=school.zhangsan)
    deadline_sweep(now=timezone.now())
    code = sent_code(aliyun)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    assert reply({"mobile": "13900000001", "text": "收到，谢谢"}).json()["verified"] == 0
    assert GuardianLink.objects.get().reply_misses == 0  # no code in it: not an attempt
    for _ in range(REPLY_MISSES_MAX):
        assert reply({"mobile": "13900000001", "text": wrong}).json()["verified"] == 0
    assert GuardianLink.objects.get().reply_misses == REPLY_MISSES_MAX
    assert reply({"mobile": "13900000001", "text": code}).json()["verified"] == 0
    assert not verified(school)


def test_an_expired_code_or_a_changed_number_verifies_nothing(school, aliyun, time_machine):
    guardian_verification_send(actor=school.zhang, student=school.zhangsan)
    deadline_sweep(now=timezone.now())
    code = sent_code(aliyun)
    Student.objects.filter(pk=school.zhangsan.pk).update(guardian_phone="13900000002")
    assert reply({"mobile": "13900000001", "text": code}).json()["verified"] == 0
    Student.objects.filter(pk=school.zhangsan.pk).update(guardian_phone="13900000001")
    time_machine.move_to(timezone.now() + datetime.timedelta(hours=73))
    assert reply({"mobile": "13900000001", "text": code}).json()["verified"] == 0
    assert not verified(school)


def test_the_callback_needs_its_key_and_bounded_json(school, aliyun, settings):
    body = {"mobile": "13900000001", "text": "123456"}
    assert reply(body, key="wrong").status_code == 403
    assert Client().post(URL, "{}", content_type="application/json").status_code == 403
    bad = Client().post(f"{URL}?key={SECRET}", "not json", content_type="application/json")
    assert bad.status_code == 400
    assert reply([body] * 101).status_code == 400
    huge = Client().post(
        f"{URL}?key={SECRET}", json.dumps({"text": "x" * 70_000}), content_type="application/json"
    )
    assert huge.status_code == 400
    assert reply([1, None, {"mobile": 5}]).json()["verified"] == 0
    settings.SMS_INBOUND_SECRET = ""
    assert reply(body).status_code == 404


def test_without_the_callback_the_sms_offers_only_the_link(school, aliyun, settings):
    settings.SMS_INBOUND_SECRET = ""
    guardian_verification_send(actor=school.zhang, student=school.zhangsan)
    deadline_sweep(now=timezone.now())
    params = dict(urllib.parse.parse_qsl(aliyun.requests[-1]["body"].decode()))
    assert json.loads(params["TemplateParam"])["title"] == "家长手机号核验"
    assert GuardianLink.objects.get().reply_hash == ""

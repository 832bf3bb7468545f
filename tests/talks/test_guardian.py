"""A guardian's phone is verified end to end: the counsellor asks, the worker sends the one-time
link through the SMS provider (a local HTTP sink speaking Aliyun's format), the guardian opens
the public page and confirms; used, expired and forged links show a clear page and change
nothing."""

import datetime
import json
import re
import urllib.parse

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shouwang.escalation.sweep import deadline_sweep
from shouwang.org.models import Student
from shouwang.org.selectors import guardian_contact
from shouwang.talks.models import GuardianLink
from shouwang.talks.services import guardian_verification_send


@pytest.fixture
def aliyun(aliyun_sms):
    return aliyun_sms


def sent_link(server) -> str:
    params = dict(urllib.parse.parse_qsl(server.requests[-1]["body"].decode()))
    assert params["PhoneNumbers"] == "13900000001"
    url = json.loads(params["TemplateParam"])["url"]
    return urllib.parse.urlsplit(url).path


def test_the_guardian_confirms_through_the_sms_link(school, aliyun):
    assert guardian_contact(school.zhangsan) == ("13900000001", False)
    client = Client()
    client.force_login(school.zhang)
    page = client.get(reverse("talks_student", kwargs={"student_no": "2024010101"}))
    assert 'id="guardian-unverified"' in page.content.decode()
    asked = client.post(reverse("talks_guardian_send", kwargs={"student_no": "2024010101"}))
    assert asked.status_code == 302
    assert deadline_sweep(now=timezone.now()) == 1
    path = sent_link(aliyun)
    link = GuardianLink.objects.get()
    assert link.sent_at and not link.pending_url  # the link itself is not kept once sent
    guardian = Client()
    shown = guardian.get(path)
    assert shown.status_code == 200 and "139****0001" in shown.content.decode()
    assert not Student.objects.get(
        pk=school.zhangsan.pk
    ).guardian_phone_verified  # GET changes nothing
    assert guardian.post(path).status_code == 200
    student = Student.objects.get(pk=school.zhangsan.pk)
    assert student.guardian_phone_verified and student.guardian_verified_at
    assert guardian_contact(student) == ("13900000001", True)
    again = guardian.post(path)
    assert again.status_code == 410 and 'id="link-error"' in again.content.decode()
    page = client.get(reverse("talks_student", kwargs={"student_no": "2024010101"}))
    assert 'id="guardian-verified"' in page.content.decode()


def test_expired_forged_and_changed_links_change_nothing(school, aliyun, time_machine):
    guardian_verification_send(actor=school.zhang, student=school.zhangsan)
    deadline_sweep(now=timezone.now())
    path = sent_link(aliyun)
    guardian = Client()
    forged = re.sub(r"/guardian/[^/]+/", "/guardian/abc.def/", path)
    assert guardian.post(forged).status_code == 400
    time_machine.move_to(timezone.now() + datetime.timedelta(hours=73))
    expired = guardian.post(path)
    assert expired.status_code == 410
    assert not Student.objects.get(pk=school.zhangsan.pk).guardian_verified_at
    assert GuardianLink.objects.get().used_at is None


def test_a_changed_number_voids_the_link(school, aliyun):
    guardian_verification_send(actor=school.zhang, student=school.zhangsan)
    deadline_sweep(now=timezone.now())
    path = sent_link(aliyun)
    Student.objects.filter(pk=school.zhangsan.pk).update(guardian_phone="13900000009")
    assert Client().post(path).status_code == 410
    assert not Student.objects.get(pk=school.zhangsan.pk).guardian_verified_at


def test_only_the_students_staff_may_ask(school, aliyun):
    client = Client()
    client.force_login(school.zhao)
    url = reverse("talks_guardian_send", kwargs={"student_no": "2024010101"})
    assert client.post(url).status_code == 404
    client.force_login(school.liu)
    assert client.post(url).status_code == 404
    assert not GuardianLink.objects.exists()

"""Code sign-in limits per network address, on top of the per-account ones: a spray of code
requests or guesses across many 学号 from one address is stopped (429, nothing sent, nothing
checked), other addresses are not, the hour passes; behind our proxies the client's address
counts, and what a client writes into X-Forwarded-For does not let it choose one."""

import datetime
import re

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from shouwang.accounts.addresses import client_address
from shouwang.accounts.models import CodeLoginAttempt
from shouwang.audit.models import Event
from shouwang.notify.models import Delivery
from shouwang.org.services import student_accounts_create

from .conftest import T0

URL = "/login/code/"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


@pytest.fixture
def accounts(school, clock):
    student_accounts_create(actor=school.admin, password=None, now=T0)
    students = (school.zhangsan, school.wangwu, school.lisi)
    for s in students:
        s.refresh_from_db()
    return [s.user.username for s in students]


def from_address(address):
    return Client(REMOTE_ADDR=address)


def code_of(number):
    sms = Delivery.objects.filter(channel="sms", recipient__username=number).latest("pk")
    return re.search(r"\d{6}", sms.message.title).group()


def test_a_spray_of_guesses_from_one_address_is_stopped(accounts, settings, clock):
    settings.CODE_LOGIN_MISSES_PER_HOUR = 3
    zhangsan, wangwu, lisi = accounts
    helper = from_address("10.1.1.1")
    helper.post(URL, {"student_no": lisi})
    code = code_of(lisi)
    wrong = "111111" if code != "111111" else "222222"
    attacker = from_address("10.9.9.9")
    for number in (zhangsan, wangwu, zhangsan):  # three wrong codes, several accounts
        assert attacker.post(URL, {"student_no": number, "code": wrong}).status_code == 400
    # The fourth guess is refused before any code is looked at, even the right one.
    stopped = attacker.post(URL, {"student_no": lisi, "code": code})
    assert stopped.status_code == 429
    assert "一小时后再试".encode() in stopped.content
    assert "_auth_user_id" not in attacker.session
    # The stopped attempts cost lisi's code no try: from another address it still works.
    signed = helper.post(URL, {"student_no": lisi, "code": code})
    assert signed.status_code == 302 and signed.url == reverse("me_password")
    # One event when the address used up its hour; no address, no 学号 in it.
    event = Event.objects.get(verb="account.code_login_throttled")
    assert event.data == {"kind": "miss", "per_hour": 3}
    assert "10.9.9.9" not in str(event.data) and zhangsan not in str(event.data)
    assert not CodeLoginAttempt.objects.filter(address_hash__contains="10.9").exists()
    # An hour later the address may try again.
    clock.move_to(T0 + datetime.timedelta(hours=1, minutes=1), tick=False)
    assert attacker.post(URL, {"student_no": zhangsan, "code": wrong}).status_code == 400


def test_asking_for_codes_for_many_numbers_is_stopped_and_sends_nothing(accounts, settings):
    settings.CODE_LOGIN_SENDS_PER_HOUR = 2
    zhangsan, _wangwu, lisi = accounts
    client = from_address("10.9.9.9")
    assert client.post(URL, {"student_no": "2099999998"}).status_code == 200  # unknown: counts
    assert client.post(URL, {"student_no": lisi}).status_code == 200
    assert Delivery.objects.filter(channel="sms").count() == 1
    stopped = client.post(URL, {"student_no": zhangsan})
    assert stopped.status_code == 429
    assert Delivery.objects.filter(channel="sms").count() == 1  # nothing more sent
    # The answer depends on the address only: an unknown number gets the same 429.
    assert client.post(URL, {"student_no": "2099999997"}).status_code == 429
    assert from_address("10.1.1.1").post(URL, {"student_no": zhangsan}).status_code == 200
    assert Delivery.objects.filter(channel="sms").count() == 2


def test_attempt_rows_are_kept_a_day(accounts, clock):
    client = from_address("10.9.9.9")
    client.post(URL, {"student_no": "2099999998"})
    assert CodeLoginAttempt.objects.count() == 1
    clock.move_to(T0 + datetime.timedelta(days=1, minutes=1), tick=False)
    client.post(URL, {"student_no": "2099999997"})
    assert CodeLoginAttempt.objects.count() == 1  # yesterday's went


def request_with(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_the_client_address_behind_our_proxies(settings):
    settings.PROXY_COUNT = 0  # no proxy: the header is the client's word, not trusted
    assert client_address(request_with("203.0.113.7", "1.2.3.4")) == "203.0.113.7"
    settings.PROXY_COUNT = 1  # our nginx appends what it saw; a client's own entries go first
    assert client_address(request_with("10.0.0.2", "1.2.3.4, 203.0.113.7")) == "203.0.113.7"
    assert client_address(request_with("10.0.0.2", "203.0.113.7")) == "203.0.113.7"
    settings.PROXY_COUNT = 2  # a load balancer then nginx
    assert client_address(request_with("10.0.0.2", "6.6.6.6, 203.0.113.7, 10.0.0.1")) == (
        "203.0.113.7"
    )
    # Fewer hops than proxies (a request that bypassed one): the socket's address.
    assert client_address(request_with("10.0.0.2", "203.0.113.7")) == "10.0.0.2"
    assert client_address(request_with("10.0.0.2")) == "10.0.0.2"


def test_behind_a_proxy_guesses_count_per_client_not_per_proxy(accounts, settings):
    settings.PROXY_COUNT = 1
    settings.CODE_LOGIN_MISSES_PER_HOUR = 2
    zhangsan = accounts[0]
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for spoof in ("1.1.1.1", "2.2.2.2"):
        hops = {"HTTP_X_FORWARDED_FOR": f"{spoof}, 203.0.113.7"}
        assert proxy.post(URL, {"student_no": zhangsan, "code": "1"}, **hops).status_code == 400
    # Changing the entry in front does not give the client a new address.
    spoofed = {"HTTP_X_FORWARDED_FOR": "3.3.3.3, 203.0.113.7"}
    assert proxy.post(URL, {"student_no": zhangsan, "code": "1"}, **spoofed).status_code == 429
    # Another client through the same proxy is not affected.
    other = {"HTTP_X_FORWARDED_FOR": "198.51.100.4"}
    assert proxy.post(URL, {"student_no": zhangsan, "code": "1"}, **other).status_code == 400


def test_password_lock_out_behind_a_proxy_is_per_client(school, settings):
    settings.PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    me = {"HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    for _ in range(settings.AXES_FAILURE_LIMIT):
        proxy.post("/login/", {"username": "zhang", "password": "wrong"}, **me)
    assert proxy.post("/login/", {"username": "zhang", "password": "wrong"}, **me).status_code == (
        429
    )
    # zhang on another device (another client address behind the same proxy) still signs in.
    phone = {"HTTP_X_FORWARDED_FOR": "198.51.100.4"}
    signed = Client(REMOTE_ADDR="10.0.0.2").post(
        "/login/", {"username": "zhang", "password": school.password}, **phone
    )
    assert signed.status_code == 302

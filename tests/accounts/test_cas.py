"""CAS single sign-on against a real CAS 3.0 server (django-cas-server in its own process):
log-in matched by staff/student number, refusals with a clear page that change nothing,
lock-out and idle timeout for CAS sessions, log-out, an unreachable server."""

import datetime
import html
import re
import urllib.parse

from django.conf import settings
from django.test import Client
from django.utils import timezone

from shouwang.accounts.models import User
from tests.casserver import PASSWORD, free_port

SERVICE = "http://testserver/cas/login/?next=%2F"


def cas_log_in(client, cas, username, service=SERVICE):
    ticket = cas.ticket(service, username, PASSWORD)
    return client.get("/cas/login/", {"next": "/", "ticket": ticket}), ticket


def test_log_in_by_cas_matches_the_account_by_staff_number(school, cas):
    client = Client()
    start = client.get("/cas/login/", {"next": "/"})
    assert start.status_code == 302
    target = urllib.parse.urlsplit(start.url)
    assert start.url.startswith(cas.url + "login?")
    assert urllib.parse.parse_qs(target.query)["service"] == [SERVICE]
    response, _ticket = cas_log_in(client, cas, "zhang")
    assert response.status_code == 302 and response.url == "/"
    home = client.get("/")
    assert home.status_code == 200 and home.wsgi_request.user == school.zhang
    assert 'action="/cas/logout/"' in home.content.decode()  # logging out goes through CAS too


def test_a_student_cadre_by_student_number(school, cas):
    client = Client()
    response, _ticket = cas_log_in(client, cas, "liu")
    assert response.status_code == 302 and client.get("/").wsgi_request.user == school.liu


def test_an_unknown_number_is_refused_and_nobody_is_created(school, cas):
    before = User.objects.count()
    client = Client()
    response, _ticket = cas_log_in(client, cas, "stranger")
    assert response.status_code == 403
    body = response.content.decode()
    assert "T7777" in body and "不会在登录时自动创建" in body and 'href="/login/"' in body
    assert User.objects.count() == before
    assert client.get("/").status_code == 302  # not logged in


def test_no_number_in_the_answer_is_refused(school, cas):
    response, _ticket = cas_log_in(Client(), cas, "nonumber")
    assert response.status_code == 403 and "没有提供您的工号或学号" in response.content.decode()


def test_a_replayed_ticket_is_refused(school, cas):
    first, ticket = cas_log_in(Client(), cas, "zhang")
    assert first.status_code == 302
    thief = Client()
    response = thief.get("/cas/login/", {"next": "/", "ticket": ticket})
    assert response.status_code == 403 and "已被使用" in response.content.decode()
    assert thief.get("/").status_code == 302


def test_a_ticket_for_another_service_is_refused(school, cas):
    ticket = cas.ticket("http://other.example/app", "zhang", PASSWORD)
    client = Client()
    response = client.get("/cas/login/", {"next": "/", "ticket": ticket})
    assert response.status_code == 403 and client.get("/").status_code == 302


def test_an_inactive_account_is_refused(school, cas):
    User.objects.filter(pk=school.zhang.pk).update(is_active=False)
    response, _ticket = cas_log_in(Client(), cas, "zhang")
    assert response.status_code == 403


def test_lock_out_applies_to_cas_log_ins(school, cas):
    local = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        local.post("/login/", {"username": "zhang", "password": "wrong-password"})
    client = Client()
    response, _ticket = cas_log_in(client, cas, "zhang")
    assert response.status_code == 403 and "登录失败次数过多" in response.content.decode()
    assert client.get("/").status_code == 302
    # Someone else is not affected.
    assert cas_log_in(Client(), cas, "liu")[0].status_code == 302


def test_idle_timeout_applies_to_cas_sessions(school, cas, time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    client = Client()
    assert cas_log_in(client, cas, "zhang")[0].status_code == 302
    time_machine.move_to(start + datetime.timedelta(minutes=20), tick=False)
    assert client.get("/").status_code == 200
    time_machine.move_to(start + datetime.timedelta(minutes=51), tick=False)
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_log_out_ends_the_session_here_and_at_the_cas_server(school, cas):
    client = Client()
    cas_log_in(client, cas, "zhang")
    response = client.post("/cas/logout/")
    assert response.status_code == 200
    logout = re.search(r'id="cas-logout" href="([^"]+)"', response.content.decode()).group(1)
    assert html.unescape(logout).startswith(cas.url + "logout?service=http%3A%2F%2Ftestserver%2F")
    assert client.get("/").status_code == 302


def test_local_accounts_keep_working_and_the_page_offers_both(school, cas):
    client = Client()
    page = client.get("/login/").content.decode()
    assert 'href="/cas/login/"' in page and "使用统一身份认证登录" in page
    response = client.post("/login/", {"username": "zhang", "password": school.password})
    assert response.status_code == 302 and response.url == "/"


def test_a_cas_server_that_is_down_gets_a_clear_page_and_the_local_log_in(school, cas, settings):
    settings.CAS_SERVER_URL = f"http://127.0.0.1:{free_port()}/cas/"
    settings.CAS_TIMEOUT_SECONDS = 1
    client = Client()
    for response in (
        client.get("/cas/login/"),
        client.get("/cas/login/", {"ticket": "ST-anything"}),
    ):
        assert response.status_code == 503
        body = response.content.decode()
        assert "统一身份认证暂时无法访问" in body and 'href="/login/"' in body
    assert (
        client.post("/login/", {"username": "zhang", "password": school.password}).status_code
        == 302
    )


def test_off_by_default(school, settings):
    settings.CAS_ENABLED = False
    client = Client()
    assert client.get("/cas/login/").status_code == 404
    assert 'href="/cas/login/"' not in client.get("/login/").content.decode()


def test_check_deploy_refuses_cas_over_plain_http_and_warns_of_refused_work_apps(school, settings):
    from shouwang.notify.models import WorkApp
    from shouwang.ops.management.commands.check_deploy import deploy_problems

    settings.CAS_ENABLED, settings.CAS_SERVER_URL = True, "http://ids.example.edu.cn/cas/"
    WorkApp.objects.create(
        kind="wecom", app_id="ww1", secret="s", credentials_error="wecom gettoken answered 40001"
    )
    errors, warnings = deploy_problems(production=True)
    assert any("SHOUWANG_CAS_SERVER_URL" in e for e in errors)
    assert any("40001" in w for w in warnings)
    settings.CAS_SERVER_URL = "https://ids.example.edu.cn/cas/"
    errors, _warnings = deploy_problems(production=True)
    assert not any("CAS" in e for e in errors)

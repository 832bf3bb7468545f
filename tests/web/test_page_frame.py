"""The frame every page shares: where the language switch comes back to, and the 405 page."""

import re

import pytest
from django.test import Client


@pytest.fixture
def chen(school):
    client = Client()
    client.force_login(school.chen)
    return client


def switch_back_to(response):
    """The `next` the language switch of this page posts."""
    form = re.search(r'<form class="lang".*?</form>', response.content.decode(), re.S).group(0)
    return (
        re.search(r'name="next" type="hidden" value="([^"]*)"', form).group(1).replace("&amp;", "&")
    )


FAILED_ADD = {"date": "2026-11-25", "unit": "D01", "person": "sun", "phone": "abc"}


def test_a_get_page_comes_back_to_itself(chen):
    assert (
        switch_back_to(chen.get("/escalation/duty/?week=2026-11-23&unit=D01"))
        == "/escalation/duty/?week=2026-11-23&unit=D01"
    )


def test_after_a_failed_post_the_switch_goes_to_the_page_the_form_was_on(chen):
    # The page shown lives at /escalation/duty/add/, which only takes POST: coming back there
    # was a 405.
    failed = chen.post(
        "/escalation/duty/add/",
        FAILED_ADD,
        HTTP_REFERER="http://testserver/escalation/duty/?week=2026-11-23",
    )
    assert failed.status_code == 400
    target = switch_back_to(failed)
    assert target == "/escalation/duty/?week=2026-11-23"
    switched = chen.post("/i18n/setlang/", {"language": "en", "next": target})
    assert switched.status_code == 302 and switched["Location"] == target
    assert chen.get(switched["Location"]).status_code == 200


@pytest.mark.parametrize(
    "referrer", [None, "https://evil.example/phish", "http://testserver/escalation/duty/add/"]
)
def test_without_a_usable_referrer_the_switch_goes_home(chen, referrer):
    extra = {"HTTP_REFERER": referrer} if referrer else {}
    failed = chen.post("/escalation/duty/add/", FAILED_ADD, **extra)
    assert failed.status_code == 400 and switch_back_to(failed) == "/"


def test_405_is_a_page_in_chinese_with_the_frame(chen):
    response = chen.get("/escalation/duty/add/")
    assert response.status_code == 405 and response["Allow"] == "POST"
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body and 'id="not-allowed"' in body and "返回首页" in body
    # Content-Length was measured on the empty body further in: a server would send nothing.
    assert int(response["Content-Length"]) == len(response.content)
    assert switch_back_to(response) == "/"  # never back to the POST-only URL itself
    assert Client().get("/logout/").status_code == 405  # Django's class-based views too
    assert 'id="not-allowed"' in Client().get("/logout/").content.decode()


def test_the_api_keeps_its_own_405(school):
    response = Client().delete("/api/v1/reports/1/ack")  # a POST-only operation
    assert response.status_code == 405
    assert 'id="not-allowed"' not in response.content.decode()

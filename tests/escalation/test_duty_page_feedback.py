"""The duty roster page after a failed form: the error is said at the top, where the reloaded
page opens, with a link down to the form; the page speaks of hours, not of server settings."""

import re

from django.test import Client

from shouwang.escalation.models import DutyShift

from .test_duty import _building_duty_team  # noqa: F401  (autouse: sun may be rostered in D01)


def login(person):
    client = Client()
    client.force_login(person)
    return client


def top_of_page(response):
    """What a person sees before the page's first section: the banner and the heading."""
    body = response.content.decode()
    return body[body.index("<main>") : body.index("<section")]


def test_a_bad_phone_is_announced_at_the_top_with_a_link_to_the_form(school):
    response = login(school.chen).post(
        "/escalation/duty/add/",
        {"date": "2026-11-25", "unit": "D01", "person": "sun", "phone": "abc"},
    )
    assert response.status_code == 400 and not DutyShift.objects.exists()
    top = top_of_page(response)
    assert re.search(r'<li class="error">未保存：请修正下列错误。</li>', top)
    assert 'href="#add-title"' in top
    assert (
        'id="add-title"' in response.content.decode()
    )  # the link's target: the add form's heading


def test_a_failed_import_is_announced_at_the_top_with_a_link_to_the_errors(school):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "roster.csv", "日期,单位代码,值班人工号\n2026-13-01,D01,T0005\n".encode()
    )
    response = login(school.chen).post("/escalation/duty/import/", {"file": upload})
    assert response.status_code == 400 and not DutyShift.objects.exists()
    top = top_of_page(response)
    assert 'class="error"' in top and 'href="#import-title"' in top


def test_a_good_shift_has_no_error_banner(school):
    chen = login(school.chen)
    added = chen.post(
        "/escalation/duty/add/", {"date": "2026-11-25", "unit": "D01", "person": "sun"}, follow=True
    )
    top = top_of_page(added)
    assert 'class="error"' not in top and "#add-title" not in top


def test_the_page_names_no_environment_variables(school):
    for person in (school.chen, school.zhang):
        body = login(person).get("/escalation/duty/").content.decode()
        assert "SHOUWANG_" not in body
        assert "22:00–07:00" in body  # the hours themselves are said

"""Log-in security the issue asks for: argon2, lock-out, idle timeout, secure headers, deploy
check."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from shouwang.audit.models import Event


def attempt(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def test_passwords_are_hashed_with_argon2(db, settings):
    from shouwang.accounts.models import User
    from tests.conftest import PRODUCTION_HASHERS

    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS
    user = User.objects.create_user(username="argon", password="Some-pass-2026!")
    assert user.password.startswith("argon2$")


def test_correct_login_reaches_home(school):
    client = Client()
    response = attempt(client, "zhang", school.password)
    assert response.status_code == 302 and response.url == "/"


def test_five_failures_lock_the_account_even_for_the_right_password(school):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "zhang", "wrong-password").status_code == 200
    locked = attempt(client, "zhang", "wrong-password")
    assert locked.status_code == 429
    # Now even the right password is refused until the cool-off passes.
    assert attempt(client, "zhang", school.password).status_code == 429
    # Another person is not affected.
    assert attempt(Client(), "li", school.password).status_code == 302


def test_lock_out_ends_after_the_cool_off(school, time_machine):
    import datetime

    from django.utils import timezone

    start = timezone.now()
    time_machine.move_to(start, tick=False)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "zhang", "wrong-password")
    assert attempt(client, "zhang", school.password).status_code == 429
    time_machine.move_to(start + datetime.timedelta(minutes=6), tick=False)
    assert attempt(client, "zhang", school.password).status_code == 302


def test_session_is_renewed_on_activity_and_expires_when_idle():
    # Idle timeout = cookie age renewed by each request a person makes (web/session.py),
    # not by polls.
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert "shouwang.web.session.ActivityRenewsSessionMiddleware" in settings.MIDDLEWARE


def test_idle_session_is_logged_out(school, time_machine):
    import datetime

    from django.utils import timezone

    start = timezone.now()
    time_machine.move_to(start, tick=False)
    client = Client()
    client.force_login(school.zhang)
    assert client.get("/").status_code == 200
    time_machine.move_to(start + datetime.timedelta(minutes=20), tick=False)
    assert client.get("/").status_code == 200  # activity renews the session
    time_machine.move_to(start + datetime.timedelta(minutes=51), tick=False)
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_secure_headers_on_every_page(client):
    response = client.get("/login/")
    csp = response.headers["Content-Security-Policy"]
    assert (
        "default-src 'self'" in csp
        and "script-src 'self'" in csp
        and "frame-ancestors 'none'" in csp
    )
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_login_without_csrf_token_is_rejected(school):
    client = Client(enforce_csrf_checks=True)
    assert attempt(client, "zhang", school.password).status_code == 403


def test_check_deploy_fails_in_production_with_insecure_settings(db, settings):
    settings.DEBUG = True
    settings.SECRET_KEY = settings.DEV_SECRET_KEY
    settings.ENCRYPTION_KEY = ""
    settings.AUDIT_KEY = ""
    with pytest.raises(CommandError, match="4 problem"):
        call_command("check_deploy", production=True)


def test_check_deploy_names_each_problem(db, settings, capsys):
    settings.DEBUG = True
    settings.SECRET_KEY = settings.DEV_SECRET_KEY
    settings.ENCRYPTION_KEY = ""
    with pytest.raises(CommandError):
        call_command("check_deploy", production=True)
    err = capsys.readouterr().err
    assert (
        "SHOUWANG_DEBUG" in err
        and "SHOUWANG_SECRET_KEY" in err
        and "SHOUWANG_ENCRYPTION_KEY" in err
    )


def test_check_deploy_passes_with_production_settings(db, settings, capsys):
    settings.DEBUG = False
    settings.SECRET_KEY = "x" * 50
    settings.ENCRYPTION_KEY = "prod:" + "cHJvZHVjdGlvbi1rZXktdGhpcnR5LXR3by1ieXRlcyE="
    settings.AUDIT_KEY = "k" * 48
    call_command("check_deploy", production=True)
    assert "passed" in capsys.readouterr().out


def test_admin_edit_is_on_the_timeline(school):
    client = Client()
    client.force_login(school.admin)
    before = Event.objects.count()
    response = client.post(
        f"/admin/org/unit/{school.class_b.pk}/change/",
        {
            "code": "C01-2024-2",
            "name": "计科2024-2班（改）",
            "name_en": "",
            "kind": "class",
            "parent": school.grade.pk,
            "function": "",
            "sort_order": 0,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content[:500]
    event = Event.objects.order_by("seq").last()
    assert Event.objects.count() == before + 1
    assert (event.verb, event.subject_id, event.data["fields"]) == (
        "admin.changed",
        str(school.class_b.pk),
        ["name"],
    )

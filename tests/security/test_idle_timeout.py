"""Probe finding: the idle timeout never fired for an open tab, because the header polls
/inbox/badge/ every 3 s and each poll renewed the session. Polling is not activity."""

import datetime

from django.test import Client
from django.utils import timezone


def test_polling_the_badge_does_not_keep_the_session_alive(school, time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    client = Client()
    client.force_login(school.zhang)
    assert client.get("/").status_code == 200
    for minute in range(1, 31, 3):  # the open tab polls on
        time_machine.move_to(start + datetime.timedelta(minutes=minute), tick=False)
        assert client.get("/inbox/badge/").status_code == 200
    time_machine.move_to(start + datetime.timedelta(minutes=31), tick=False)
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_a_poll_after_the_timeout_is_refused_too(school, time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    client = Client()
    client.force_login(school.zhang)
    client.get("/")
    time_machine.move_to(start + datetime.timedelta(minutes=31), tick=False)
    assert client.get("/inbox/badge/").status_code in (302, 401, 403)


def test_real_activity_still_renews_it(school, time_machine):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    client = Client()
    client.force_login(school.zhang)
    for minute in (20, 40, 60):
        time_machine.move_to(start + datetime.timedelta(minutes=minute), tick=False)
        assert client.get("/reports/").status_code == 200

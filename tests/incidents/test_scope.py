"""Incidents are scoped: a counsellor of class B gets 404 on class A's incident, in UI and API."""

import pytest
from django.test import Client

from shouwang.incidents import services

from .conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(campus):
    return services.incident_activate(
        actor=campus.chen, plan=campus.plan, level="II", unit=campus.class_a, now=NOW
    )


def client_for(campus, user):
    c = Client()
    c.force_login(user)
    return c


def test_out_of_scope_incident_is_404_in_ui_and_api(campus, incident):
    zhao = client_for(campus, campus.zhao)  # counsellor of class B, no task in this incident
    assert zhao.get(f"/incidents/{incident.pk}/").status_code == 404
    assert zhao.get(f"/incidents/{incident.pk}/live/").status_code == 404
    assert zhao.get(f"/api/v1/incidents/{incident.pk}").status_code == 404
    assert zhao.post(f"/incidents/{incident.pk}/arrive/").status_code == 404
    assert incident.pk not in [i["id"] for i in zhao.get("/api/v1/incidents").json()]


def test_people_in_scope_or_involved_see_it(campus, incident):
    for user in (campus.zhang, campus.boss, campus.bao, campus.li):
        assert client_for(campus, user).get(f"/incidents/{incident.pk}/").status_code == 200, (
            user.username
        )

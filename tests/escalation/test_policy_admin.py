"""Editing policies, the duty roster and holidays: bad input names the step and changes nothing."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from shouwang.audit.models import Event
from shouwang.escalation.engine import deadline_sweep
from shouwang.escalation.models import DutyShift, EscalationPolicy, Holiday
from shouwang.escalation.services import duty_shift_add, holiday_add, parse_steps, policy_update

from .conftest import at

GOOD = [{"roles": ["counsellor"], "at": "class", "ack_minutes": 20},
        {"roles": ["deputy_secretary"], "at": "college", "ack_minutes": 20}]


def night_policy():
    return EscalationPolicy.objects.get(name="夜不归宿（一般）")


def login(person):
    client = Client()
    client.force_login(person)
    return client


@pytest.mark.parametrize("steps, start, fragment", [
    ([{"roles": ["nobody"], "at": "class", "ack_minutes": 5}], 0, "第1步：未知岗位 nobody"),
    ([GOOD[0], {"roles": ["counsellor"], "at": "planet", "ack_minutes": 5}], 0, "第2步"),
    ([{"roles": ["counsellor"], "at": "class", "ack_minutes": 0}], 0, "第1步"),
    ([{"roles": ["counsellor"], "at": "class", "ack_minutes": "abc"}], 0, "第1步"),
    ([], 0, "至少需要一个步骤"),
    (GOOD, 5, "起始步骤"),
    ("not a list", 0, "至少需要一个步骤"),
])
def test_malformed_policy_is_refused_naming_the_step(school, steps, start, fragment):
    policy = night_policy()
    before = (policy.steps, policy.version, Event.objects.count())
    with pytest.raises(ValidationError) as err:
        policy_update(actor=school.chen, policy=policy, steps=steps, start_step=start)
    assert any(fragment in m for m in err.value.messages), err.value.messages
    policy.refresh_from_db()
    assert (policy.steps, policy.version, Event.objects.count()) == before


def test_bad_yaml_names_the_line():
    with pytest.raises(ValidationError, match=r"第\d+行"):
        parse_steps("- roles: [counsellor]\n  at: [unclosed\n")


def test_edit_bumps_version_and_is_on_the_timeline(school):
    policy = policy_update(actor=school.chen, policy=night_policy(), steps=GOOD, start_step=0)
    assert policy.version == 2 and policy.steps == GOOD
    event = Event.objects.get(verb="policy.changed")
    assert event.actor == school.chen and event.data["before"]["version"] == 1


def test_counsellor_cannot_edit(school):
    with pytest.raises(PermissionDenied):
        policy_update(actor=school.zhang, policy=night_policy(), steps=GOOD, start_step=0)
    assert login(school.zhang).post(f"/escalation/policies/{night_policy().pk}/",
                                    {"steps": "[]", "start_step": "0"}).status_code == 403


def test_edit_page_shows_chinese_errors_and_saves(school):
    chen = login(school.chen)
    url = f"/escalation/policies/{night_policy().pk}/"
    bad = chen.post(url, {"steps": "- {roles: [ghost], at: class, ack_minutes: 5}", "start_step": "0"})
    assert bad.status_code == 400 and "第1步：未知岗位 ghost" in bad.content.decode()
    assert night_policy().version == 1
    good = chen.post(url, {"steps": "- {roles: [counsellor], at: class, ack_minutes: 20}", "start_step": "0"})
    assert good.status_code == 302 and night_policy().version == 2
    assert "夜不归宿" in chen.get("/escalation/policies/").content.decode()


def test_filed_report_keeps_its_route_after_an_edit(school, file_night_absence):
    report = file_night_absence(at(14))
    policy_update(actor=school.chen, policy=night_policy(), steps=GOOD, start_step=0)
    deadline_sweep(now=at(14, 31))
    report.refresh_from_db()
    assert report.route[0]["roles"] == ["dorm_head"] and report.current_step == 1


def test_duty_roster_permissions_and_routing(school, file_night_absence):
    with pytest.raises(PermissionDenied):
        duty_shift_add(actor=school.zhang, unit=school.c01, date=datetime.date(2026, 11, 24), person=school.sun)
    duty_shift_add(actor=school.li, unit=school.c01, date=datetime.date(2026, 11, 24), person=school.sun)
    with pytest.raises(PermissionDenied):
        duty_shift_add(actor=school.li, unit=school.d01, date=datetime.date(2026, 11, 24), person=school.sun)
    report = file_night_absence(at(23, 30))
    assert report.route[0]["roles"] == ["duty_officer"]
    assert report.recipients.get(step=0).person == school.sun
    with pytest.raises(ValidationError):
        duty_shift_add(actor=school.li, unit=school.c01, date=datetime.date(2026, 11, 24), person=school.sun)


def test_roster_and_holiday_pages(school):
    chen = login(school.chen)
    response = chen.post("/escalation/duty/add/", {"date": "2026-11-25", "unit": "D01", "person": "sun", "phone": "110"})
    assert response.status_code == 302 and DutyShift.objects.get().phone == "110"
    assert login(school.zhang).post("/escalation/duty/add/", {"date": "2026-11-25", "unit": "C01-2024-2",
                                                              "person": "sun"}).status_code == 404
    chen.post("/escalation/holidays/", {"date": "2026-12-31", "name": "元旦前夜"})
    assert Holiday.objects.get().name == "元旦前夜"
    assert "元旦前夜" in chen.get("/escalation/holidays/").content.decode()
    with pytest.raises(PermissionDenied):
        holiday_add(actor=school.zhang, date=datetime.date(2027, 1, 1), name="元旦")

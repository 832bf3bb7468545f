"""Probe findings: inputs that gave 5xx now get a clear 4xx and write nothing (NUL in query strings
and paths, lone surrogates, deep JSON and YAML, huge lists, over-long fields, out-of-range
counts)."""

import json

import pytest

from shouwang.audit.models import Event
from shouwang.incidents.services import incident_activate
from shouwang.notify.models import Message
from shouwang.plans.models import Resource
from tests.reports.conftest import login, snapshot
from tests.reports.test_api import body, post
from tests.reports.test_filing_page import form


@pytest.mark.parametrize(
    "url",
    [
        "/students/?q=%00",
        "/org/%00/",
        "/reports/?category=%00",
        "/escalation/duty/?unit=a%00b",
        "/api/v1/students?q=%00",
    ],
)
def test_nul_in_a_query_string_or_path_is_a_4xx(school, url):
    response = login(school.zhang).get(url)
    assert 400 <= response.status_code < 500, (url, response.status_code)


def test_a_lone_surrogate_in_api_json_is_422(school):
    before = snapshot()
    raw = body(description="SURROGATE").replace("SURROGATE", "\\ud800")
    response = post(login(school.liu), "/api/v1/reports", raw)
    assert response.status_code == 422 and "Unicode" in json.dumps(
        response.json(), ensure_ascii=False
    )
    assert snapshot() == before


@pytest.mark.parametrize("depth", [1000, 100_000])
def test_json_nested_deep_is_422(school, depth):
    raw = '{"place": ' + "[" * depth + "]" * depth + "}"
    response = post(login(school.liu), "/api/v1/reports", raw)
    assert response.status_code == 422


def test_brackets_inside_strings_do_not_count_as_nesting(school):
    response = post(login(school.liu), "/api/v1/reports", body(description="[" * 100 + "{" * 100))
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("field", ["students", "units_involved"])
def test_seventy_thousand_entries_are_refused(school, field):
    before = snapshot()
    many = [f"{i:010d}" for i in range(70_000)]
    response = post(login(school.admin), "/api/v1/reports", body(**{field: many}))
    assert response.status_code == 422
    page = login(school.admin).post("/reports/new/", form(**{field: " ".join(many)}))
    assert page.status_code == 400
    assert snapshot() == before


def test_over_long_place_and_a_4mb_description_are_refused(school):
    before = snapshot()
    assert post(login(school.liu), "/api/v1/reports", body(place="楼" * 201)).status_code == 422
    assert (
        post(login(school.liu), "/api/v1/reports", body(description="x" * 4_000_000)).status_code
        == 422
    )
    assert (
        login(school.liu).post("/reports/new/", form(description="x" * 30_000)).status_code == 400
    )
    assert snapshot() == before


def test_yaml_nested_deep_in_plan_check_is_a_problem_not_a_crash(campus):
    deep = "a: " + "[" * 50_000 + "]" * 50_000 + "\n"
    response = post(login(campus.chen), "/api/v1/plans/check", json.dumps({"yaml_text": deep}))
    assert response.status_code == 200 and not response.json()["valid"]
    assert "嵌套" in json.dumps(response.json(), ensure_ascii=False)


def test_yaml_nested_deep_in_policy_validation_is_an_error(school):
    deep = "[" * 20_000 + "]" * 20_000
    response = login(school.chen).post(
        "/escalation/policies/validate/", {"steps": deep, "start_step": "1"}
    )
    assert response.status_code == 200 and "嵌套" in response.content.decode()


def test_a_policy_start_step_past_32_bits_is_refused(school):
    response = login(school.chen).post(
        "/escalation/policies/validate/", {"steps": "[]", "start_step": str(2**31)}
    )
    assert response.status_code < 500


@pytest.mark.parametrize("value", [4294967296, -1])
def test_situation_counts_out_of_range_are_refused(campus, value):
    incident = incident_activate(
        actor=campus.chen, plan=campus.plan, level="I", unit=campus.class_a, event_type="leak"
    )
    response = post(
        login(campus.zhang),
        f"/api/v1/incidents/{incident.pk}/updates",
        json.dumps({"text": "伤亡", "dead": value}),
    )
    assert response.status_code == 422
    page = login(campus.zhang).post(
        f"/incidents/{incident.pk}/situation/", {"text": "伤亡", "dead": str(value)}
    )
    assert page.status_code < 500
    assert not incident.situation.exists()


@pytest.mark.parametrize(
    "fields",
    [
        {"quantity": str(2**32 + 9)},
        {"name": "名" * 101},
        {"unit_label": "个" * 11},
        {"location": "仓" * 201},
    ],
)
def test_resource_fields_out_of_bounds_are_refused(campus, fields):
    data = {
        "kind": "material",
        "name": "担架",
        "quantity": "3",
        "unit_label": "副",
        "location": "保卫处",
        **fields,
    }
    response = login(campus.chen).post("/plans/resources/", data)
    assert response.status_code < 500 and not Resource.objects.exists()


def test_a_long_incident_title_does_not_overflow_the_notification(campus):
    incident = incident_activate(
        actor=campus.chen,
        plan=campus.plan,
        level="I",
        unit=campus.class_a,
        event_type="leak",
        title="标" * 200,
    )
    assert incident.title == "标" * 200
    titles = list(
        Message.objects.filter(subject_type="incidents.incident").values_list("title", flat=True)
    )
    assert titles and all(len(t) <= 200 for t in titles)


def test_an_implausible_week_on_the_duty_page_shows_this_week(school):
    assert login(school.chen).get("/escalation/duty/?week=9999-12-31").status_code == 200


def test_year_one_holiday_is_refused(school):
    response = login(school.chen).post("/escalation/holidays/", {"date": "0001-01-01", "name": "x"})
    assert response.status_code in (200, 400) and "2000" in response.content.decode()
    assert not Event.objects.filter(verb__startswith="holiday").exists()

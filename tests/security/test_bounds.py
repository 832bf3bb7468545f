"""Probe findings: implausible times and integers that do not fit their columns are refused
with a clear 4xx (UI and API) and nothing is written; nothing that was stored breaks a page."""

import json

import pytest

from tests.reports.conftest import login, snapshot
from tests.reports.test_api import body, post
from tests.reports.test_filing_page import form

YEAR_ONE_API = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "1999-12-31T23:59:59+08:00",
]


@pytest.mark.parametrize("when", ["0001-01-01T00:00", "1970-01-01T08:00", "9999-12-31T23:59"])
def test_the_filing_form_refuses_an_implausible_time(school, when):
    before = snapshot()
    response = login(school.liu).post("/reports/new/", form(occurred_at=when))
    assert response.status_code == 400
    assert "2000" in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("when", YEAR_ONE_API)
def test_the_api_refuses_an_implausible_time(school, when):
    before = snapshot()
    response = post(login(school.liu), "/api/v1/reports", body(occurred_at=when))
    assert response.status_code == 422, response.content
    assert snapshot() == before


@pytest.mark.parametrize(
    "query",
    [
        "since=0001-01-01T00:00:00%2B14:00",
        "until=9999-12-31T23:59:59-14:00",
        "since=0001-01-01",
        "until=0.5",
        "since=1700000000",
    ],
)
def test_report_filters_refuse_implausible_or_numeric_times(school, query):
    response = login(school.zhang).get(f"/api/v1/reports?{query}")
    assert response.status_code == 422, (query, response.content)


def test_a_plausible_filter_still_works(school, file_report):
    file_report()
    response = login(school.admin).get("/api/v1/reports?since=2020-01-01T00:00:00%2B08:00")
    assert response.status_code == 200 and len(response.json()) == 1


def test_the_external_report_form_refuses_year_one(school, file_report):
    report = file_report()
    response = login(school.li).post(
        f"/reports/{report.pk}/external/",
        {
            "recipient_kind": "police",
            "recipient": "派出所",
            "content": "已报",
            "sent_at": "0001-01-01T00:00",
        },
    )
    assert response.status_code == 400
    assert not report.external_reports.exists()


@pytest.mark.parametrize("count", [4294967301, 2**31, -1, 10**12])
def test_people_count_out_of_bounds_is_refused_by_form_and_api(school, count):
    before = snapshot()
    assert login(school.liu).post("/reports/new/", form(people_count=str(count))).status_code == 400
    response = post(login(school.liu), "/api/v1/reports", body(people_count=count))
    assert response.status_code == 422, response.content
    assert "people_count" in json.dumps(response.json())
    assert snapshot() == before


@pytest.mark.parametrize("count", [4294967301, -3])
def test_an_update_with_a_count_out_of_bounds_is_refused(school, file_report, count):
    report = file_report()
    response = post(
        login(school.admin),
        f"/api/v1/reports/{report.pk}/updates",
        json.dumps({"text": "人数更新", "people_count": count}),
    )
    assert response.status_code == 422
    response = login(school.admin).post(
        f"/reports/{report.pk}/update/", {"text": "人数", "people_count": count}
    )
    assert response.status_code == 400
    assert not report.updates.exists()


def _incident(campus):
    from shouwang.incidents.services import incident_activate

    return incident_activate(
        actor=campus.chen, plan=campus.plan, level="I", unit=campus.class_a, event_type="leak"
    )


@pytest.mark.parametrize("field, url", [("sent_at", "external"), ("requested_at", "media")])
def test_incident_forms_refuse_year_one(campus, field, url):
    incident = _incident(campus)
    data = {
        "recipient": "教育厅",
        "content": "已报",
        "outlet": "日报",
        "topic": "采访",
        field: "0001-01-01T00:00",
    }
    response = login(campus.chen).post(f"/incidents/{incident.pk}/{url}/", data)
    assert response.status_code == 400
    assert not incident.outbound_reports.exists() and not incident.media_requests.exists()
    assert login(campus.chen).get(f"/incidents/{incident.pk}/").status_code == 200


def test_the_incident_api_refuses_a_year_one_report_upward(campus):
    incident = _incident(campus)
    response = post(
        login(campus.chen),
        f"/api/v1/incidents/{incident.pk}/external-reports",
        json.dumps(
            {"recipient": "教育厅", "content": "已报", "sent_at": "0001-01-01T00:00:00+14:00"}
        ),
    )
    assert response.status_code == 422 and not incident.outbound_reports.exists()

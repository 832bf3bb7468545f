"""Probe finding: units_involved was not scoped: a dorm head named another college and an office,
and routing followed it to that college's deputy secretary. Decision: units outside the filer's
scope are named as text on the timeline (report.filed's "units_named"), never routed to and never
linked to the report; units inside the scope are linked and route as before."""

import datetime
import json

from shouwang.audit.models import Event
from shouwang.org.models import Post, Role, Unit
from shouwang.reports.models import Recipient, Report
from shouwang.reports.route import context_units
from tests.reports.conftest import login
from tests.reports.test_api import body, post
from tests.reports.test_filing_page import form


def _c02_with_secretary(school):
    c02 = Unit.objects.create(code="C02", name="外国语学院", kind="college", parent=school.sch)
    Post.objects.create(
        person=school.nobody,
        unit=c02,
        role=Role.objects.get(code="deputy_secretary"),
        since=datetime.date(2024, 9, 1),
    )
    return c02


def _filed_event(report):
    return Event.objects.get(verb="report.filed", subject_id=str(report.pk))


def test_a_dorm_head_naming_another_college_and_an_office_does_not_route_there(school):
    _c02_with_secretary(school)
    response = post(
        login(school.liu),
        "/api/v1/reports",
        body(units_involved=["C02", "XSC", "D01-101", "NOPE"], severity="critical"),
    )
    assert response.status_code == 201, response.content
    report = Report.objects.get(pk=response.json()["id"])
    assert [u.code for u in report.units_involved.all()] == ["D01-101"]
    codes = {u.code for u in context_units(report)}
    assert "C02" not in codes and "XSC" not in codes
    assert not Recipient.objects.filter(report=report, person=school.nobody).exists()
    data = _filed_event(report).data
    assert data["units_involved"] == ["D01-101"] and data["units_named"] == ["C02", "NOPE", "XSC"]


def test_the_form_keeps_out_of_scope_units_as_text_too(school):
    _c02_with_secretary(school)
    response = login(school.liu).post("/reports/new/", form(units_involved="C02 XSC"))
    assert response.status_code == 302
    report = Report.objects.get()
    assert not report.units_involved.exists()
    assert json.dumps(_filed_event(report).data["units_named"]) == '["C02", "XSC"]'


def test_a_college_secretary_still_links_units_of_her_college(school):
    response = post(
        login(school.li), "/api/v1/reports", body(unit="C01-2024-1", units_involved=["C01-2024-2"])
    )
    assert response.status_code == 201
    report = Report.objects.get(pk=response.json()["id"])
    assert [u.code for u in report.units_involved.all()] == ["C01-2024-2"]

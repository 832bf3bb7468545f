"""Probe findings: the API differed from its document. 422 bodies were [{loc, msg, type}] where
{field: [messages]} is documented; 403/404/422 were undocumented; until=0.5 and an ack body of
null were accepted; a token lacking reports.write got 422 (and so learned the body's shape)
instead of 403 for a bad body."""

import json

from django.test import Client

from shouwang.api.services import token_create
from tests.reports.conftest import login
from tests.reports.test_api import body, post


def test_a_parameter_error_has_the_documented_shape(school):
    response = login(school.zhang).get("/api/v1/reports?limit=abc")
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert (
        isinstance(detail, dict)
        and isinstance(detail["limit"], list)
        and isinstance(detail["limit"][0], str)
    )


def test_a_body_error_names_the_field(school):
    response = post(login(school.liu), "/api/v1/reports", json.dumps({"category": 5}))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert {"category", "severity", "unit", "occurred_at", "place", "description"} <= set(detail)


def test_an_ack_body_of_null_is_refused(school, file_report):
    report = file_report()
    for payload in ("null", "3", '"text"'):
        response = post(login(school.zhang), f"/api/v1/reports/{report.pk}/ack", payload)
        assert response.status_code == 400, payload
    assert not report.recipients.filter(acked_at__isnull=False).exists()


def test_a_token_without_write_gets_403_before_its_body_is_read(school):
    _token, raw = token_create(
        actor=school.admin, name="只读", unit=school.sch, permissions=["reports.read"]
    )
    client = Client()
    for payload in ("{}", "not json", body()):
        response = post(client, "/api/v1/reports", payload, HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response.status_code == 403, payload
        assert "reports.write" in response.json()["detail"]


def test_every_operation_documents_its_error_answers(client):
    doc = client.get("/api/v1/openapi.json").json()
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            for code in ("401", "403", "404", "422"):
                assert code in operation["responses"], (method, path, code)
    assert (
        doc["components"]["schemas"]["FieldErrorsOut"]["properties"]["detail"]["type"] == "object"
    )


def test_an_id_past_64_bits_is_404(school):
    assert login(school.zhang).get(f"/api/v1/reports/{2**70}").status_code in (404, 422)

"""Property-based API tests (schemathesis): every operation in the OpenAPI document, fed
generated valid and invalid input, as an integration token and as a signed-in person, never
answers with a server error, answers only statuses its document lists, with the bodies it
documents, and never writes for a request it refuses."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shouwang.api.services import token_create

CSRF = "s" * 32  # a fixed CSRF secret: the same value in the cookie and the header passes the check


def _load_schema():
    """The document ninja serves at /api/v1/openapi.json, built in-process (no request, no
    database at collection time), called through the WSGI application."""
    from shouwang.api_v1 import api
    from shouwang.wsgi import application

    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
    loaded.app, loaded.location = application, "/api/v1/openapi.json"
    return loaded


schema = _load_schema()


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: a request must not close the test's database connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def callers(school):
    from django.test import Client

    _token, raw = token_create(
        actor=None,
        name="fuzz",
        unit=school.sch,
        permissions=["org.read", "students.read", "reports.read", "reports.write"],
    )
    client = Client()
    client.force_login(school.chen)
    session = client.cookies["sessionid"].value
    return {
        "token": {"headers": {"Authorization": f"Bearer {raw}"}},
        "person": {
            "headers": {"X-CSRFToken": CSRF},
            "cookies": {"sessionid": session, "csrftoken": CSRF},
        },
    }


# Beyond "no 5xx": every answer's status is documented, and its body matches the documented schema.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _check(case, caller):
    response = case.call(**caller)
    assert response.status_code < 500, (
        case.method,
        case.path,
        response.status_code,
        response.text[:500],
    )
    case.validate_response(response, checks=CHECKS)


# SHOUWANG_FUZZ_EXAMPLES=100 for a longer hunt than the suite's.
FUZZ = settings(
    max_examples=int(os.environ.get("SHOUWANG_FUZZ_EXAMPLES", "8")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ
def test_as_an_integration_token_no_operation_fails_on_the_server(case, callers):
    _check(case, callers["token"])


@schema.parametrize()
@FUZZ
def test_as_a_signed_in_person_no_operation_fails_on_the_server(case, callers):
    _check(case, callers["person"])

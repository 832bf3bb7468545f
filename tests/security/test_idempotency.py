"""Probe finding: after a client timeout, 10 of 10 retries of POST /api/v1/reports were stored
twice. With an Idempotency-Key the same key and body answer the first answer again; the same key
with another body gets 422; keys are kept at least 24 hours, per caller."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from shouwang.api.idempotency import keys_prune
from shouwang.api.models import IdempotencyKey
from shouwang.api.services import token_create
from shouwang.reports.models import Report
from tests.reports.conftest import login
from tests.reports.test_api import body, post


@pytest.fixture
def gate(school):
    _token, raw = token_create(
        actor=school.admin, name="门禁系统", unit=school.sch, permissions=["reports.write"]
    )
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def test_ten_retries_with_one_key_store_one_report(gate):
    payload = body()
    answers = [
        post(gate, "/api/v1/reports", payload, HTTP_IDEMPOTENCY_KEY="gate-7f3a") for _ in range(10)
    ]
    assert {a.status_code for a in answers} == {201}
    assert len({a.content for a in answers}) == 1
    assert Report.objects.count() == 1
    assert "Idempotent-Replayed" not in answers[0] and answers[1]["Idempotent-Replayed"] == "true"


def test_the_same_key_with_another_body_is_refused(gate):
    assert post(gate, "/api/v1/reports", body(), HTTP_IDEMPOTENCY_KEY="k1").status_code == 201
    other = post(gate, "/api/v1/reports", body(place="2号楼"), HTTP_IDEMPOTENCY_KEY="k1")
    assert other.status_code == 422 and "Idempotency-Key" in other.json()["detail"]
    assert Report.objects.count() == 1


def test_without_a_key_every_post_files(gate):
    post(gate, "/api/v1/reports", body())
    post(gate, "/api/v1/reports", body())
    assert Report.objects.count() == 2


def test_keys_are_per_caller_and_a_person_gets_them_too(school, gate):
    assert post(gate, "/api/v1/reports", body(), HTTP_IDEMPOTENCY_KEY="same").status_code == 201
    liu, payload = login(school.liu), body()
    first = post(liu, "/api/v1/reports", payload, HTTP_IDEMPOTENCY_KEY="same")
    again = post(liu, "/api/v1/reports", payload, HTTP_IDEMPOTENCY_KEY="same")
    assert (
        first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    )
    assert Report.objects.count() == 2


def test_a_refused_request_does_not_burn_its_key(gate):
    bad = post(gate, "/api/v1/reports", body(category="nope"), HTTP_IDEMPOTENCY_KEY="k2")
    assert bad.status_code == 422 and not IdempotencyKey.objects.exists()
    assert post(gate, "/api/v1/reports", body(), HTTP_IDEMPOTENCY_KEY="k2").status_code == 201


@pytest.mark.parametrize("key", ["", "with space", "长", "x" * 201])
def test_a_malformed_key_is_refused(gate, key):
    assert post(gate, "/api/v1/reports", body(), HTTP_IDEMPOTENCY_KEY=key).status_code == 422
    assert not Report.objects.exists()


def test_keys_are_kept_a_day_and_then_pruned(gate):
    payload = body()
    post(gate, "/api/v1/reports", payload, HTTP_IDEMPOTENCY_KEY="k3")
    now = timezone.now()
    assert keys_prune(now=now + datetime.timedelta(hours=24)) == 0
    assert (
        post(gate, "/api/v1/reports", payload, HTTP_IDEMPOTENCY_KEY="k3")["Idempotent-Replayed"]
        == "true"
    )
    assert keys_prune(now=now + datetime.timedelta(hours=49)) == 1


def test_the_header_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").json()
    params = doc["paths"]["/api/v1/reports"]["post"]["parameters"]
    header = next(p for p in params if p["name"] == "Idempotency-Key")
    assert header["in"] == "header" and "same body" in json.dumps(header)


def test_retries_racing_each_other_still_store_one_report(transactional_db, school):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    _token, raw = token_create(
        actor=school.admin, name="门禁系统", unit=school.sch, permissions=["reports.write"]
    )
    payload = body()

    def attempt(_):
        try:
            return post(
                Client(),
                "/api/v1/reports",
                payload,
                HTTP_AUTHORIZATION=f"Bearer {raw}",
                HTTP_IDEMPOTENCY_KEY="race",
            ).status_code
        finally:
            connections.close_all()

    with ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(attempt, range(8)))
    assert codes == [201] * 8
    assert Report.objects.count() == 1

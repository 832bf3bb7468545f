"""The incident and plan endpoints: in the OpenAPI document, person-only for incident command,
Chinese field errors, 403 for publishing by anyone but the publicity office."""

import pytest
from django.test import Client

from shouwang.api.services import token_create

pytestmark = pytest.mark.django_db
BACKUP = "启用备用试题重新印制，考试照常举行"


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_openapi_lists_plan_and_incident_endpoints(campus):
    paths = client_for(campus.chen).get("/api/v1/openapi.json").json()["paths"]
    for p in (
        "/api/v1/plans",
        "/api/v1/plans/{code}",
        "/api/v1/plans/check",
        "/api/v1/incidents",
        "/api/v1/incidents/{incident_id}/tasks",
        "/api/v1/incidents/{incident_id}/decisions",
        "/api/v1/incidents/{incident_id}/updates",
        "/api/v1/incidents/{incident_id}/arrivals",
        "/api/v1/incidents/{incident_id}/releases",
        "/api/v1/incidents/{incident_id}/releases/{release_id}/publish",
        "/api/v1/incidents/{incident_id}/external-reports",
        "/api/v1/incidents/{incident_id}/level",
    ):
        assert p in paths, p


def test_incident_command_through_the_api(campus):
    chen, boss, zhang, xuan = (
        client_for(u) for u in (campus.chen, campus.boss, campus.zhang, campus.xuan)
    )
    bad = chen.post(
        "/api/v1/incidents",
        {"plan": "test_drill", "level": "IX", "unit": "C01-2024-1"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "level" in bad.json()["detail"]
    made = chen.post(
        "/api/v1/incidents",
        {"plan": "test_drill", "level": "I", "event_type": "leak", "unit": "C01-2024-1"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    iid = made.json()["id"]
    tasks = zhang.get(f"/api/v1/incidents/{iid}/tasks").json()
    mine = next(t for t in tasks if t["step"] == "contain")
    assert mine["assignee"] == campus.zhang.pk
    assert (
        zhang.post(
            f"/api/v1/incidents/{iid}/tasks/{mine['id']}/done",
            {"note": "已控制"},
            content_type="application/json",
        ).status_code
        == 200
    )
    refused = zhang.post(
        f"/api/v1/incidents/{iid}/decisions",
        {"decision_id": "backup_paper", "option": BACKUP, "reason": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    decided = boss.post(
        f"/api/v1/incidents/{iid}/decisions",
        {"decision_id": "backup_paper", "option": BACKUP, "reason": "备用卷安全"},
        content_type="application/json",
    )
    assert decided.status_code == 201 and decided.json()["option"] == BACKUP
    assert zhang.post(f"/api/v1/incidents/{iid}/arrivals").status_code == 201
    assert (
        zhang.post(
            f"/api/v1/incidents/{iid}/updates",
            {"text": "现场平稳", "injured": 0},
            content_type="application/json",
        ).status_code
        == 201
    )
    draft = zhang.post(
        f"/api/v1/incidents/{iid}/releases",
        {"title": "通报", "body": "……"},
        content_type="application/json",
    ).json()
    publish = f"/api/v1/incidents/{iid}/releases/{draft['id']}/publish"
    assert (
        zhang.post(publish, {"channel": "官网"}, content_type="application/json").status_code == 403
    )
    assert (
        xuan.post(publish, {"channel": "官网"}, content_type="application/json").status_code == 200
    )
    closing = boss.post(
        f"/api/v1/incidents/{iid}/close", {"summary": "完"}, content_type="application/json"
    )
    assert closing.status_code == 422 and "封存试卷" in str(closing.json())


def test_an_integration_token_cannot_command_an_incident(campus):
    _token, raw = token_create(
        actor=None, name="card", unit=campus.sch, permissions=["reports.read"]
    )
    c = Client()
    response = c.get("/api/v1/incidents", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 403


def test_plan_check_reports_problems_with_lines(campus):
    c = client_for(campus.chen)
    ok = c.get("/api/v1/plans/test_drill").json()
    assert ok["document"]["id"] == "test_drill"
    gaps = {r["name"]: r for r in ok["resources"]}
    assert gaps["安保人员"]["available"] == 1 and gaps["安保人员"]["gap"] == 1
    assert gaps["备用试卷"]["gap"] == 1
    bad = c.post(
        "/api/v1/plans/check",
        {"yaml_text": "id: x\ntitle: [unclosed\n"},
        content_type="application/json",
    )
    body = bad.json()
    assert body["valid"] is False and body["problems"][0]["line"] is not None

"""The aftermath pages and API: scoped (404 outside scope), refusals with the reason (403) or
the field errors (400 page / 422 API), nothing changed; the endpoints are in the OpenAPI
document; an integration token is refused (no one to hold to account)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from shouwang.aftermath.models import SECTION_KEYS, Aftermath, CorrectiveAction, Review
from shouwang.api.services import token_create
from shouwang.audit.models import Event

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_pages_show_the_aftermath_review_and_actions_to_those_in_scope(campus, closed):
    aftermath, review = Aftermath.objects.get(incident=closed), Review.objects.get(incident=closed)
    chen = client_for(campus.chen)
    page = chen.get(f"/aftermath/{aftermath.pk}/").content.decode()
    assert "受害人及家属安抚" in page and "现场保护与事故调查" in page
    page = chen.get(f"/aftermath/reviews/{review.pk}/").content.decode()
    for title in (
        "事件基本情况",
        "应急处置",
        "善后抚慰",
        "教育管理职责落实",
        "舆情管控",
        "责任界定",
        "改进提升建议",
    ):
        assert title in page
    home = chen.get("/aftermath/").content.decode()
    assert f"/aftermath/{aftermath.pk}/" in home and f"/aftermath/reviews/{review.pk}/" in home
    assert (
        f"/aftermath/{aftermath.pk}/"
        not in client_for(campus.zhao).get("/aftermath/").content.decode()
    )
    assert chen.get("/aftermath/actions/").status_code == 200
    assert chen.get("/aftermath/actions/?by=due").status_code == 200
    zhao = client_for(campus.zhao)
    assert zhao.get(f"/aftermath/{aftermath.pk}/").status_code == 404
    assert zhao.get(f"/aftermath/reviews/{review.pk}/").status_code == 404


def test_signing_off_on_the_page_lists_empty_sections_and_keeps_the_review_open(campus, closed):
    review = Review.objects.get(incident=closed)
    boss = client_for(campus.boss)
    response = boss.post(f"/aftermath/reviews/{review.pk}/sign-off/")
    assert response.status_code == 400
    body = response.content.decode()
    assert "教育管理职责落实" in body and "改进提升建议" in body
    assert Review.objects.get(pk=review.pk).state == "draft"
    chen = client_for(campus.chen)
    for key in SECTION_KEYS:
        assert (
            chen.post(
                f"/aftermath/reviews/{review.pk}/sections/{key}/", {"text": "内容"}
            ).status_code
            == 302
        )
    assert chen.post(f"/aftermath/reviews/{review.pk}/sign-off/").status_code == 403  # not the head
    assert boss.post(f"/aftermath/reviews/{review.pk}/sign-off/").status_code == 302
    assert Review.objects.get(pk=review.pk).state == "signed"
    frozen = chen.post(f"/aftermath/reviews/{review.pk}/sections/basic/", {"text": "改写"})
    assert frozen.status_code == 400 and "已签发并冻结" in frozen.content.decode()
    assert Review.objects.get(pk=review.pk).sections.get(key="basic").text == "内容"


def test_issuing_an_action_on_the_page_without_owner_or_due_date_names_both(campus, closed):
    review = Review.objects.get(incident=closed)
    chen = client_for(campus.chen)
    response = chen.post(
        f"/aftermath/reviews/{review.pk}/actions/",
        {
            "title": "完善制度",
            "requirement": "修订",
            "evidence_required": "新制度文本",
            "owner_unit": "C01-2024-1",
        },
    )
    assert response.status_code == 400 and not CorrectiveAction.objects.exists()
    due = (timezone.localdate() + timedelta(days=20)).isoformat()
    response = chen.post(
        f"/aftermath/reviews/{review.pk}/actions/",
        {
            "title": "完善制度",
            "requirement": "修订",
            "evidence_required": "新制度文本",
            "owner_unit": "C01-2024-1",
            "owner": "T0003",
            "due_at": due,
        },
    )
    assert response.status_code == 302
    action = CorrectiveAction.objects.get()
    assert (
        action.owner == campus.zhang
        and client_for(campus.zhang).get(f"/aftermath/actions/{action.pk}/").status_code == 200
    )


def test_openapi_lists_the_aftermath_endpoints(campus):
    paths = client_for(campus.chen).get("/api/v1/openapi.json").json()["paths"]
    for p in (
        "/api/v1/incidents/{incident_id}/aftermath",
        "/api/v1/aftermath/{aftermath_id}/investigation",
        "/api/v1/aftermath/{aftermath_id}/items/{item_id}",
        "/api/v1/incidents/{incident_id}/review",
        "/api/v1/reviews/{review_id}/sections/{key}",
        "/api/v1/reviews/{review_id}/sign-off",
        "/api/v1/reviews/{review_id}/amendments",
        "/api/v1/corrective-actions",
        "/api/v1/reviews/{review_id}/corrective-actions",
        "/api/v1/corrective-actions/{action_id}/inspect",
    ):
        assert p in paths, p


def test_the_review_and_actions_through_the_api(campus, closed):
    chen, boss = client_for(campus.chen), client_for(campus.boss)
    review = chen.get(f"/api/v1/incidents/{closed.pk}/review").json()
    assert (
        review["state"] == "draft" and len(review["sections"]) == 7 and review["facts"]["closed_at"]
    )
    assert client_for(campus.zhao).get(f"/api/v1/incidents/{closed.pk}/review").status_code == 404
    empty = boss.post(f"/api/v1/reviews/{review['id']}/sign-off")
    assert empty.status_code == 422 and "舆情管控" in str(empty.json())
    for key in SECTION_KEYS:
        assert (
            chen.put(
                f"/api/v1/reviews/{review['id']}/sections/{key}",
                {"text": "内容"},
                content_type="application/json",
            ).status_code
            == 200
        )
    assert chen.post(f"/api/v1/reviews/{review['id']}/sign-off").status_code == 403
    signed = boss.post(f"/api/v1/reviews/{review['id']}/sign-off")
    assert signed.status_code == 200 and signed.json()["frozen"] is True
    again = chen.put(
        f"/api/v1/reviews/{review['id']}/sections/basic",
        {"text": "改"},
        content_type="application/json",
    )
    assert again.status_code == 422
    assert (
        chen.post(
            f"/api/v1/reviews/{review['id']}/amendments",
            {"section": "basic", "text": "补充"},
            content_type="application/json",
        ).status_code
        == 201
    )
    url = f"/api/v1/reviews/{review['id']}/corrective-actions"
    bad = chen.post(
        url,
        {"title": "x", "requirement": "x", "evidence_required": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and {"owner", "due_at"} <= set(bad.json()["detail"])
    due = (timezone.now() + timedelta(days=30)).isoformat()
    made = chen.post(
        url,
        {
            "title": "完善制度",
            "requirement": "修订",
            "evidence_required": "制度文本",
            "owner_unit": "C01-2024-1",
            "owner": campus.zhang.pk,
            "due_at": due,
        },
        content_type="application/json",
    )
    assert (
        made.status_code == 201
        and made.json()["state"] == "deployed"
        and made.json()["colour"] == "green"
    )
    aid = made.json()["id"]
    zhang = client_for(campus.zhang)
    assert [a["id"] for a in zhang.get("/api/v1/corrective-actions").json()] == [aid]
    assert client_for(campus.zhao).get(f"/api/v1/corrective-actions/{aid}").status_code == 404
    assert (
        zhang.post(
            f"/api/v1/corrective-actions/{aid}/submit",
            {"evidence_text": "已完成"},
            content_type="application/json",
        ).json()["state"]
        == "inspecting"
    )
    assert (
        zhang.post(
            f"/api/v1/corrective-actions/{aid}/inspect",
            {"verdict": "accept"},
            content_type="application/json",
        ).status_code
        == 403
    )
    done = chen.post(
        f"/api/v1/corrective-actions/{aid}/inspect",
        {"verdict": "accept"},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["state"] == "accepted"


def test_an_integration_token_is_refused(campus, closed):
    _token, secret = token_create(
        actor=None, name="门禁", unit=campus.sch, permissions=["reports.read"]
    )
    response = Client().get(
        f"/api/v1/incidents/{closed.pk}/review", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert response.status_code == 403
    assert not Event.objects.filter(verb__startswith="review.", actor__isnull=False).exists()

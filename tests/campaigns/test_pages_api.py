"""The campaign pages (list, new, board, a unit's answer form) and the API, scoped: the issuing
office sees the board, a unit's responsible post its checklist; anyone else 404. The clock is
NOW (time-machine), so the page's idea of late matches the fixture's."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shouwang.aftermath.models import CorrectiveAction
from shouwang.api.services import token_create
from shouwang.campaigns import services
from shouwang.campaigns.models import Campaign, CampaignUnit
from tests.design.test_post_views import changed, snapshot

from .conftest import DUE, ITEMS, NOW, answers_for, issue

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def login(person):
    client = Client()
    client.force_login(person)
    return client


def local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_the_new_campaign_form_offers_the_shipped_checklist_and_issues(campus):
    page = login(campus.chen).get("/campaigns/new/")
    assert page.status_code == 200
    text = page.content.decode()
    assert all(item in text for item in ITEMS)
    response = login(campus.chen).post(
        "/campaigns/new/",
        {
            "title": "秋季大排查",
            "issuer_unit": "XSC",
            "due_at": local(DUE),
            "fix_days": "10",
            "template": "seed_003",
            "items": "\n".join(ITEMS[:4]) + "\n\n实验室危化品\n",
            "units": ["C01", "JWC"],
        },
    )
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response.url == f"/campaigns/{campaign.pk}/"
    assert [i.title for i in campaign.items.all()] == [*ITEMS[:4], "实验室危化品"]
    assert campaign.fix_days == 10 and campaign.due_at == DUE


def test_a_bad_new_campaign_is_shown_again_with_the_reasons(campus):
    before = snapshot()
    response = login(campus.chen).post(
        "/campaigns/new/",
        {
            "title": "x",
            "issuer_unit": "XSC",
            "due_at": local(NOW - timedelta(days=1)),
            "fix_days": "14",
            "items": "",
            "units": [],
        },
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert text.count('class="errorlist"') >= 3
    assert not changed(before)
    assert login(campus.chen).post("/campaigns/new/", {"due_at": "tomorrow"}).status_code == 400
    assert login(campus.zhang).get("/campaigns/new/").status_code == 403


def test_the_board_is_the_issuing_offices_and_a_units_form_its_posts(campus):
    campaign = issue(campus)
    board = f"/campaigns/{campaign.pk}/"
    assert login(campus.chen).get(board).status_code == 200
    assert login(campus.boss).get(board).status_code == 200  # the school leader
    for who in (campus.li, campus.zhang, campus.jiao):
        assert login(who).get(board).status_code == 404
    form = f"/campaigns/{campaign.pk}/units/C01/"
    page = login(campus.li).get(form)
    assert page.status_code == 200 and 'id="answer-form"' in page.content.decode()
    page = login(campus.chen).get(form)  # the issuer reads it, without a form
    assert page.status_code == 200 and 'id="answer-form"' not in page.content.decode()
    assert login(campus.jiao).get(form).status_code == 404
    # The list: the issuer's campaigns, the deputy secretary's checklist to answer.
    assert "秋季风险隐患大排查" in login(campus.chen).get("/campaigns/").content.decode()
    mine = login(campus.li).get("/campaigns/").content.decode()
    assert 'id="mine"' in mine and form in mine


def _form(campaign, problem_item=None):
    data = {}
    for item in campaign.items.all():
        if item.title == problem_item:
            data[f"item_{item.pk}"] = "yes"
            data[f"description_{item.pk}"] = "宿舍私拉电线"
            data[f"measure_{item.pk}"] = "已拆除并通报"
        else:
            data[f"item_{item.pk}"] = "no"
    return data


def test_answering_by_form_makes_the_problem_a_corrective_action(campus):
    campaign = issue(campus)
    url = f"/campaigns/{campaign.pk}/units/C01/"
    before = snapshot()
    # The issuer, the college head and a counsellor do not answer for C01: 404, nothing changes.
    for who in (campus.chen, campus.wang, campus.zhang):
        assert login(who).post(url, _form(campaign, "“三防”建设")).status_code == 404
    assert not changed(before)
    incomplete = _form(campaign, "“三防”建设")
    incomplete.pop(next(iter(incomplete)))
    assert login(campus.li).post(url, incomplete).status_code == 400
    assert not changed(before)
    response = login(campus.li).post(url, _form(campaign, "“三防”建设"))
    assert response.status_code == 302
    action = CorrectiveAction.objects.get()
    assert action.title == "计算机学院：“三防”建设"
    board = login(campus.chen).get(f"/campaigns/{campaign.pk}/").content.decode()
    assert 'data-count="answered">1' in board and 'data-count="problems">1' in board
    assert f"/aftermath/actions/{action.pk}/" in board
    # Answered: the form is gone, and a second POST is refused.
    assert login(campus.li).post(url, _form(campaign)).status_code == 400


def test_closing_from_the_board(campus):
    campaign = issue(campus)
    assert login(campus.li).post(f"/campaigns/{campaign.pk}/close/").status_code == 404
    assert login(campus.chen).post(f"/campaigns/{campaign.pk}/close/").status_code == 302
    assert Campaign.objects.get().state == "closed"
    response = login(campus.li).post(f"/campaigns/{campaign.pk}/units/C01/", _form(campaign))
    assert response.status_code == 400


# ---- API -----------------------------------------------------------------------------------


def api(person):
    return login(person)


def test_the_api_lists_one_campaign_and_a_units_answer_scoped(campus):
    campaign = issue(campus)
    listed = api(campus.chen).get("/api/v1/campaigns").json()
    assert [c["id"] for c in listed] == [campaign.pk]
    assert api(campus.li).get("/api/v1/campaigns").json()[0]["id"] == campaign.pk
    assert api(campus.zhang).get("/api/v1/campaigns").json() == []
    one = api(campus.chen).get(f"/api/v1/campaigns/{campaign.pk}").json()
    assert [u["unit"] for u in one["units"]] == ["C01", "JWC"]
    assert one["counts"]["units"] == 2 and len(one["items"]) == 12
    mine = api(campus.li).get(f"/api/v1/campaigns/{campaign.pk}").json()
    assert [u["unit"] for u in mine["units"]] == ["C01"] and mine["counts"] is None
    assert api(campus.zhang).get(f"/api/v1/campaigns/{campaign.pk}").status_code == 404
    unit = api(campus.li).get(f"/api/v1/campaigns/{campaign.pk}/units/C01").json()
    assert unit["status"] == "pending" and unit["answers"] == []
    assert api(campus.jiao).get(f"/api/v1/campaigns/{campaign.pk}/units/C01").status_code == 404


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_the_api_answers_and_refuses_bad_answers(campus):
    campaign = issue(campus)
    url = f"/api/v1/campaigns/{campaign.pk}/units/C01/answer"
    items = list(campaign.items.all())
    body = {
        "answers": [
            {
                "item": i.pk,
                "has_problem": i.title == "心理",
                "description": "情绪低落",
                "measure": "谈心",
            }
            for i in items
        ]
    }
    before = snapshot()
    stray = {"answers": [*body["answers"], {"item": 10**9, "has_problem": False}]}
    assert _post(api(campus.li), url, stray).status_code == 422
    twice = {"answers": [*body["answers"], body["answers"][0]]}
    assert _post(api(campus.li), url, twice).status_code == 422
    assert _post(api(campus.chen), url, body).status_code == 404
    assert _post(api(campus.zhang), url, body).status_code == 404
    assert not changed(before)
    done = _post(api(campus.li), url, body)
    assert done.status_code == 200, done.content
    answers = done.json()["answers"]
    assert len(answers) == 12 and done.json()["status"] == "answered"
    assert [a["corrective_action"] is not None for a in answers].count(True) == 1
    assert _post(api(campus.li), url, body).status_code == 422  # answered already


def test_the_api_issues_with_the_shipped_items_by_default(campus):
    response = _post(
        api(campus.chen),
        "/api/v1/campaigns",
        {"title": "API 排查", "issuer_unit": "XSC", "units": ["C01"], "due_at": DUE.isoformat()},
    )
    assert response.status_code == 201, response.content
    assert [i["title"] for i in response.json()["items"]] == ITEMS
    bad = _post(
        api(campus.chen),
        "/api/v1/campaigns",
        {
            "title": "x",
            "issuer_unit": "XSC",
            "units": [],
            "items": [],
            "due_at": (NOW - timedelta(days=1)).isoformat(),
        },
    )
    assert bad.status_code == 422
    assert {"units", "items", "due_at"} <= set(bad.json()["detail"])
    assert CampaignUnit.objects.count() == 1


def test_an_integration_token_may_not_act_in_campaigns(campus):
    _token, raw = token_create(
        actor=campus.admin, name="t", unit=campus.sch, permissions=["students.read"]
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/campaigns").status_code == 403


def test_the_inbox_opens_with_the_checklists_still_to_answer(campus):
    campaign = issue(campus)
    inbox = login(campus.li).get("/inbox/").content.decode()
    assert 'id="campaigns-to-answer"' in inbox
    assert f"/campaigns/{campaign.pk}/units/C01/" in inbox
    assert 'id="campaigns-to-answer"' not in login(campus.zhang).get("/inbox/").content.decode()


def test_ids_and_codes_out_of_range_name_nothing(campus):
    issue(campus)
    huge = "9" * 30
    client = login(campus.chen)
    assert client.get(f"/campaigns/{huge}/").status_code == 404
    assert client.get(f"/campaigns/1/units/{'X' * 500}/").status_code == 404
    assert client.post(f"/campaigns/{huge}/close/").status_code == 404
    assert client.get(f"/api/v1/campaigns/{huge}").status_code in (404, 422)
    assert client.get(f"/api/v1/campaigns/{huge}/units/C01").status_code in (404, 422)
    # An over-long text is refused with the field named, not cut or stored.
    campaign = issue(campus)
    url = f"/api/v1/campaigns/{campaign.pk}/units/C01/answer"
    body = {
        "answers": [
            {"item": i.pk, "has_problem": True, "description": "长" * 2001, "measure": "x"}
            for i in campaign.items.all()
        ]
    }
    assert _post(login(campus.li), url, body).status_code == 422


@pytest.mark.parametrize("due", ["0001-01-01T00:00", "9999-12-31T23:59", "2026-13-40T99:99"])
def test_implausible_due_dates_are_refused_on_the_form(campus, due):
    before = snapshot()
    response = login(campus.chen).post(
        "/campaigns/new/",
        {
            "title": "x",
            "issuer_unit": "XSC",
            "due_at": due,
            "fix_days": "x",
            "items": "心理",
            "units": ["C01"],
        },
    )
    assert response.status_code == 400
    assert not changed(before)


def _board_queries(client, campaign):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/campaigns/{campaign.pk}/").status_code == 200
    return len(queries)


def test_the_boards_queries_do_not_grow_with_its_units(campus):
    client = login(campus.chen)
    small = issue(campus, units=["C01"])
    large = issue(campus, units=["C01", "JWC", "XSC"])
    for campaign in (small, large):
        for a in campaign.units.select_related("unit"):
            person = {"C01": campus.li, "JWC": campus.jiao, "XSC": campus.chen}[a.unit.code]
            services.campaign_answer(
                actor=person,
                assignment=a,
                answers=answers_for(campaign, {"心理": ("a", "b")}),
                now=NOW,
            )
    assert _board_queries(client, small) == _board_queries(client, large)

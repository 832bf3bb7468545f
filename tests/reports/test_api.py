"""Report API: filing, scoping, updates, acknowledgement, timeline and inbox, by people and
tokens."""

import datetime
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from shouwang.api.services import token_create
from shouwang.audit.models import Event
from shouwang.org.models import Post, Role
from shouwang.reports.models import Report

from .conftest import PNG, snapshot


def body(**overrides):
    data = {
        "category": "night_absence",
        "severity": "general",
        "unit": "D01-101",
        "occurred_at": (timezone.now() - datetime.timedelta(minutes=10)).isoformat(),
        "place": "1号楼101室",
        "description": "张三22:30查寝未归",
        "students": ["2024010101"],
    }
    data.update(overrides)
    return json.dumps(data)


def session(person):
    client = Client()
    client.force_login(person)
    return client


def post(client, url, payload, **headers):
    return client.post(url, payload, content_type="application/json", **headers)


def test_dorm_head_files_by_api_and_the_report_is_routed(school):
    response = post(session(school.liu), "/api/v1/reports", body())
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["ack_state"] == "waiting" and data["students"] == ["2024010101"]
    assert Event.objects.filter(verb="route.step_started", subject_id=str(data["id"])).exists()


def test_bad_fields_get_chinese_errors_and_nothing_is_written(school):
    before = (Report.objects.count(), Event.objects.count())
    future = (timezone.now() + datetime.timedelta(hours=2)).isoformat()
    response = post(
        session(school.liu),
        "/api/v1/reports",
        body(category="nope", place="", occurred_at=future, students=["2024010201"]),
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert set(detail) == {"category", "place", "occurred_at", "students"}
    assert "未来" in detail["occurred_at"][0] or "晚于" in detail["occurred_at"][0]
    assert "2024010201" in detail["students"][0]
    assert (Report.objects.count(), Event.objects.count()) == before


def test_token_with_write_permission_files_as_itself(school):
    _token, raw = token_create(
        actor=school.admin, name="门禁系统", unit=school.sch, permissions=["reports.write"]
    )
    response = post(Client(), "/api/v1/reports", body(), HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 201
    report = Report.objects.get(pk=response.json()["id"])
    assert report.reporter is None and report.api_token.name == "门禁系统"
    assert response.json()["reporter"] == "门禁系统"


def test_token_without_write_permission_is_403(school):
    _token, raw = token_create(
        actor=school.admin, name="只读", unit=school.sch, permissions=["reports.read"]
    )
    assert (
        post(Client(), "/api/v1/reports", body(), HTTP_AUTHORIZATION=f"Bearer {raw}").status_code
        == 403
    )
    assert Report.objects.count() == 0


def test_list_and_detail_are_scoped(school):
    report_id = post(session(school.liu), "/api/v1/reports", body()).json()["id"]
    other = post(
        session(school.li),
        "/api/v1/reports",
        body(unit="C01-2024-2", students=["2024010201"], description="李四旷课"),
    ).json()["id"]
    zhang = session(school.zhang)
    assert [r["id"] for r in zhang.get("/api/v1/reports").json()] == [report_id]
    assert zhang.get(f"/api/v1/reports/{other}").status_code == 404
    assert zhang.get(f"/api/v1/reports/{other}/timeline").status_code == 404
    assert {
        r["id"] for r in session(school.li).get("/api/v1/reports?category=night_absence").json()
    } == {report_id, other}


def test_ack_update_timeline_and_inbox(school):
    report_id = post(session(school.liu), "/api/v1/reports", body()).json()["id"]
    liu, zhang = session(school.liu), session(school.zhang)
    # The dorm head filed it, so the counsellor is the first asked.
    assert zhang.get("/api/v1/inbox?unread=true").json()[0]["kind"] == "report.ack_request"
    update = post(liu, f"/api/v1/reports/{report_id}/updates", json.dumps({"text": "已联系家长"}))
    assert update.status_code == 201
    ack = post(zhang, f"/api/v1/reports/{report_id}/ack", json.dumps({"note": "收到"}))
    assert ack.status_code == 200 and ack.json()["ack_state"] == "acknowledged"
    verbs = [e["verb"] for e in liu.get(f"/api/v1/reports/{report_id}/timeline").json()]
    assert verbs[:4] == [
        "report.filed",
        "route.planned",
        "route.reporter_level",
        "route.step_started",
    ]
    assert "report.updated" in verbs and verbs[-1] == "report.acknowledged"
    ack_event = Event.objects.get(verb="report.acknowledged")
    assert ack_event.data["channel"] == "api" and ack_event.data["note"] == "收到"


def test_only_recipients_and_people_acknowledge(school):
    report_id = post(session(school.liu), "/api/v1/reports", body()).json()["id"]
    assert post(session(school.li), f"/api/v1/reports/{report_id}/ack", "{}").status_code == 403
    _token, raw = token_create(
        actor=school.admin, name="x", unit=school.sch, permissions=["reports.write"]
    )
    assert (
        post(
            Client(), f"/api/v1/reports/{report_id}/ack", "{}", HTTP_AUTHORIZATION=f"Bearer {raw}"
        ).status_code
        == 403
    )


def test_session_posts_need_csrf(school):
    client = Client(enforce_csrf_checks=True)
    client.force_login(school.liu)
    assert post(client, "/api/v1/reports", body()).status_code == 403
    assert Report.objects.count() == 0
    client.get("/reports/new/")  # any page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = post(client, "/api/v1/reports", body(), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content
    assert Report.objects.get().reporter == school.liu


def test_token_list_is_limited_to_its_unit(school):
    in_b = post(
        session(school.li), "/api/v1/reports", body(unit="C01-2024-2", students=["2024010201"])
    ).json()["id"]
    in_room = post(session(school.liu), "/api/v1/reports", body()).json()["id"]
    _token, raw = token_create(
        actor=school.admin, name="班级系统", unit=school.class_b, permissions=["reports.read"]
    )
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert [r["id"] for r in Client().get("/api/v1/reports", **auth).json()] == [in_b]
    assert Client().get(f"/api/v1/reports/{in_room}", **auth).status_code == 404
    assert Client().get(f"/api/v1/reports/{in_b}/timeline", **auth).status_code == 200


def test_list_filters_and_pages(school):
    li = session(school.li)
    ids = [
        post(li, "/api/v1/reports", body(severity=s, unit="C01-2024-1")).json()["id"]
        for s in ("general", "larger", "general")
    ]
    assert {r["id"] for r in li.get("/api/v1/reports?severity=general").json()} == {ids[0], ids[2]}
    assert [r["id"] for r in li.get("/api/v1/reports?limit=1&offset=1").json()] == [ids[1]]
    assert {r["id"] for r in li.get("/api/v1/reports?unit=C01-2024").json()} == set(ids)
    assert li.get("/api/v1/reports?unit=C01-2024-2").json() == []
    assert li.get("/api/v1/reports?ack_state=acknowledged").json() == []
    assert len(li.get("/api/v1/reports?verification=unverified").json()) == 3
    later = (timezone.now() + datetime.timedelta(minutes=1)).isoformat()
    assert li.get("/api/v1/reports", {"since": later}).json() == []
    assert len(li.get("/api/v1/reports", {"until": later}).json()) == 3


def test_covert_reporter_hidden_in_the_api_below_counsellor(school):
    Post.objects.create(
        person=school.nobody,
        unit=school.class_a,
        role=Role.objects.get(code="covert_observer"),
        since=datetime.date(2024, 9, 1),
    )
    report_id = post(session(school.nobody), "/api/v1/reports", body(unit="C01-2024-1")).json()[
        "id"
    ]
    liu = session(school.liu)
    assert liu.get(f"/api/v1/reports/{report_id}").json()["reporter"] == "报告人不公开"
    actors = {e["actor"] for e in liu.get(f"/api/v1/reports/{report_id}/timeline").json()}
    assert "报告人不公开" in actors and "无岗位" not in actors and "nobody" not in actors
    assert session(school.zhang).get(f"/api/v1/reports/{report_id}").json()["reporter"] == "无岗位"
    _token, raw = token_create(
        actor=school.admin, name="t", unit=school.sch, permissions=["reports.read"]
    )
    as_token = (
        Client().get(f"/api/v1/reports/{report_id}", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    )
    assert as_token["reporter"] == "报告人不公开"


def test_attachments_by_multipart_then_download_scoped(school):
    report_id = post(session(school.liu), "/api/v1/reports", body()).json()["id"]
    liu = session(school.liu)
    before = snapshot()
    bad = liu.post(
        f"/api/v1/reports/{report_id}/attachments",
        {
            "text": "现场照片",
            "files": [SimpleUploadedFile("a.jpg", b"text", content_type="image/jpeg")],
        },
    )
    assert bad.status_code == 422 and "a.jpg" in bad.json()["detail"]["attachments"][0]
    assert snapshot() == before
    ok = liu.post(
        f"/api/v1/reports/{report_id}/attachments",
        {"text": "现场照片", "files": [SimpleUploadedFile("a.png", PNG, content_type="image/png")]},
    )
    assert ok.status_code == 201, ok.content
    attachment = session(school.zhang).get(f"/api/v1/reports/{report_id}").json()["attachments"][0]
    assert (attachment["name"], attachment["content_type"]) == ("a.png", "image/png")
    url = f"/api/v1/reports/{report_id}/attachments/{attachment['id']}"
    download = session(school.zhang).get(url)
    assert download.status_code == 200 and download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PNG
    assert session(school.zhao).get(url).status_code == 404


def test_timeline_labels_in_chinese(school):
    report_id = post(session(school.liu), "/api/v1/reports", body()).json()["id"]
    events = session(school.liu).get(f"/api/v1/reports/{report_id}/timeline").json()
    assert events[0]["label"] == "上报" and events[0]["actor"] == "刘同学"


def test_openapi_lists_report_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in [
        "/api/v1/reports",
        "/api/v1/reports/{report_id}",
        "/api/v1/reports/{report_id}/updates",
        "/api/v1/reports/{report_id}/ack",
        "/api/v1/reports/{report_id}/timeline",
        "/api/v1/inbox",
        "/api/v1/reports/{report_id}/attachments",
        "/api/v1/reports/{report_id}/attachments/{attachment_id}",
    ]:
        assert path in paths, path
    assert "post" in paths["/api/v1/reports"] and "get" in paths["/api/v1/reports"]
    filing = paths["/api/v1/reports"]["post"]
    assert "201" in filing["responses"] and "422" in filing["responses"]
    assert "requestBody" in filing
    params = {p["name"] for p in paths["/api/v1/reports"]["get"]["parameters"]}
    assert {
        "category",
        "severity",
        "ack_state",
        "verification",
        "unit",
        "since",
        "until",
        "limit",
        "offset",
    } <= params

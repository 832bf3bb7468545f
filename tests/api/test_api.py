"""The API: scoped exactly like the web UI, for people (session) and integration tokens."""

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from shouwang.api.models import ApiToken
from shouwang.api.services import token_create, token_revoke
from shouwang.audit.models import Event
from shouwang.cli import main as shouwang_cli


@pytest.fixture
def as_zhang(school):
    client = Client()
    client.force_login(school.zhang)
    return client


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def csp_directives(response):
    parts = (
        d.strip().split(" ", 1) for d in response.headers["Content-Security-Policy"].split(";")
    )
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


def test_openapi_document_lists_the_endpoints(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    for path in [
        "/api/v1/units",
        "/api/v1/units/{code}",
        "/api/v1/units/{code}/posts",
        "/api/v1/students",
        "/api/v1/students/{student_no}",
        "/api/v1/people/{person_id}/posts",
    ]:
        assert path in doc["paths"], path


def test_docs_page_uses_local_swagger_under_our_csp(as_zhang):
    response = as_zhang.get("/api/v1/docs")
    assert response.status_code == 200
    body = response.content.decode()
    # Bundled Swagger UI from our own static files (ninja is in INSTALLED_APPS), no CDN, and
    # no inline script: the settings travel as JSON that swagger-ui-init.js reads.
    assert "cdn.jsdelivr" not in body and "/static/ninja/swagger-ui-bundle.js" in body
    assert "/static/ninja/swagger-ui-init.js" in body and "<script>" not in body
    # "Try it out" sends the session's CSRF token, so POSTs work from the docs page too.
    assert 'data-api-csrf="true"' in body and 'data-csrf-token=""' not in body
    csp = csp_directives(response)
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self' 'unsafe-inline'"
    for static in [
        "ninja/swagger-ui-bundle.js",
        "ninja/swagger-ui-init.js",
        "ninja/swagger-ui.css",
    ]:
        assert as_zhang.get(f"/static/{static}").status_code == 200, static


def test_inline_styles_are_allowed_on_the_docs_page_only(client):
    assert csp_directives(client.get("/login/"))["style-src"] == "'self'"


def test_session_posts_need_the_csrf_token(school):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(school.zhang)
    docs = browser.get("/api/v1/docs").content.decode()  # sets the cookie, carries the token
    ack = {"path": "/api/v1/reports/999999/ack", "data": {}, "content_type": "application/json"}
    assert browser.post(**ack).status_code == 403
    csrf = re.search(r'data-csrf-token="([^"]+)"', docs).group(1)
    assert (
        browser.post(**ack, HTTP_X_CSRFTOKEN=csrf).status_code == 404
    )  # past auth: no such report


def test_counsellor_reads_own_student_and_gets_404_for_another_class(as_zhang):
    ok = as_zhang.get("/api/v1/students/2024010101")
    assert ok.status_code == 200 and ok.json()["name"] == "张三"
    assert as_zhang.get("/api/v1/students/2024010201").status_code == 404
    assert as_zhang.get("/api/v1/units/C01-2024-2").status_code == 404
    assert as_zhang.get("/api/v1/units/C01-2024-2/posts").status_code == 404


def test_lists_are_scoped(as_zhang):
    names = [s["name"] for s in as_zhang.get("/api/v1/students?q=2024").json()]
    assert sorted(names) == ["张三", "王五"]
    codes = [u["code"] for u in as_zhang.get("/api/v1/units").json()]
    assert codes == ["C01-2024-1"]
    posts = as_zhang.get("/api/v1/units/C01-2024-1/posts").json()
    assert {p["role"] for p in posts} == {"counsellor", "class_teacher"}


def test_session_scope_of_a_college_deputy_secretary(school):
    li = Client()
    li.force_login(school.li)
    assert sorted(s["name"] for s in li.get("/api/v1/students?q=2024").json()) == [
        "张三",
        "李四",
        "王五",
    ]
    assert li.get("/api/v1/students/2024010201").status_code == 200
    assert {u["code"] for u in li.get("/api/v1/units").json()} == {
        "C01",
        "C01-2024",
        "C01-2024-1",
        "C01-2024-2",
    }
    assert li.get("/api/v1/units/XSC").status_code == 404


def test_no_credentials_is_401(client, school):
    assert client.get("/api/v1/students/2024010101").status_code == 401
    assert client.get("/api/v1/units").status_code == 401


def test_token_is_scoped_to_its_unit_and_permissions(client, school):
    token, raw = token_create(
        actor=school.admin, name="门禁系统", unit=school.class_b, permissions=["students.read"]
    )
    response = client.get("/api/v1/students/2024010201", **bearer(raw))
    assert response.status_code == 200 and response.json()["name"] == "李四"
    assert client.get("/api/v1/students/2024010101", **bearer(raw)).status_code == 404
    assert [s["name"] for s in client.get("/api/v1/students?q=2024", **bearer(raw)).json()] == [
        "李四"
    ]
    assert client.get("/api/v1/units", **bearer(raw)).status_code == 403
    assert client.get("/api/v1/units/C01-2024-2", **bearer(raw)).status_code == 403
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoked_and_forged_tokens_are_refused(client, school):
    token, raw = token_create(
        actor=school.admin, name="x", unit=school.sch, permissions=["students.read"]
    )
    token_revoke(actor=school.admin, token=token)
    assert client.get("/api/v1/students/2024010101", **bearer(raw)).status_code == 401
    assert client.get("/api/v1/students/2024010101", **bearer("sw_forged")).status_code == 401
    assert (
        client.get(
            "/api/v1/students/2024010101", HTTP_AUTHORIZATION="Basic Zm9vOmJhcg=="
        ).status_code
        == 401
    )


def test_raw_token_is_never_stored(school):
    token, raw = token_create(
        actor=school.admin, name="x", unit=school.sch, permissions=["org.read"]
    )
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert all(raw not in str(value) for value in row.values())
    assert raw.startswith(row["prefix"])


def test_only_admins_create_tokens(school):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        token_create(actor=school.chen, name="x", unit=school.sch, permissions=["org.read"])


def test_token_command_prints_a_working_token_once(client, school):
    out = io.StringIO()
    call_command(
        "token",
        "create",
        "--name",
        "一卡通",
        "--unit",
        "C01",
        "--perm",
        "students.read",
        stdout=out,
    )
    raw = next(line for line in out.getvalue().splitlines() if line.startswith("sw_"))
    assert out.getvalue().count(raw) == 1 and "cannot be shown again" in out.getvalue()
    assert client.get("/api/v1/students/2024010201", **bearer(raw)).status_code == 200
    token = ApiToken.objects.get()
    assert token.created_by is None and token.unit == school.c01
    assert Event.objects.filter(verb="token.created", subject_id=str(token.pk)).exists()
    listing = io.StringIO()
    call_command("token", "list", stdout=listing)
    assert "一卡通" in listing.getvalue() and token.prefix in listing.getvalue()
    assert raw not in listing.getvalue() and "active" in listing.getvalue()


def test_token_command_revokes(client, school):
    token, raw = token_create(actor=None, name="x", unit=school.sch, permissions=["students.read"])
    call_command("token", "revoke", str(token.pk), stdout=io.StringIO())
    assert client.get("/api/v1/students/2024010101", **bearer(raw)).status_code == 401
    listing = io.StringIO()
    call_command("token", "list", stdout=listing)
    assert "revoked" in listing.getvalue()
    with pytest.raises(CommandError):
        call_command("token", "revoke", str(token.pk))  # already revoked


@pytest.mark.parametrize(
    "args",
    [
        ["--name", "x", "--unit", "NOPE", "--perm", "org.read"],
        ["--name", " ", "--unit", "SCH", "--perm", "org.read"],
    ],
)
def test_token_command_rejects_bad_input_and_writes_nothing(school, args):
    with pytest.raises(CommandError):
        call_command("token", "create", *args)
    assert ApiToken.objects.count() == 0


def test_token_command_rejects_unknown_permission(school):
    with pytest.raises(CommandError):
        call_command("token", "create", "--name", "x", "--unit", "SCH", "--perm", "everything")
    assert ApiToken.objects.count() == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["--unit", "NOPE", "--perm", "org.read"], "没有这个单位代码：NOPE"),
        (["--unit", "SCH", "--perm", "everything"], "invalid choice: 'everything'"),
    ],
)
def test_shouwang_token_exits_non_zero_on_bad_input(school, monkeypatch, capsys, args, message):
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)  # keep the test's transaction
    with pytest.raises(SystemExit) as exited:
        shouwang_cli(["shouwang", "token", "create", "--name", "x", *args])
    assert exited.value.code != 0
    assert message in capsys.readouterr().err
    assert ApiToken.objects.count() == 0
    assert not Event.objects.filter(verb="token.created").exists()


def test_bad_paging_nul_characters_and_odd_offsets_are_client_errors(client, school):
    """Found by the schemathesis run: each of these used to be a server error."""
    from shouwang.reports.models import Report

    _token, raw = token_create(
        actor=None,
        name="card",
        unit=school.sch,
        permissions=["org.read", "students.read", "reports.read", "reports.write"],
    )
    auth = bearer(raw)
    assert client.get("/api/v1/units?limit=-1", **auth).status_code == 422
    assert client.get("/api/v1/units?offset=9223372036854775808", **auth).status_code == 422
    assert client.get("/api/v1/students?q=%00", **auth).status_code == 422
    filing = {
        "category": "night_absence",
        "severity": "general",
        "unit": "D01-101",
        "occurred_at": "2026-11-24T22:30:00+08:00",
        "place": "101室",
        "description": "未归\u0000",
    }
    refused = client.post("/api/v1/reports", filing, content_type="application/json", **auth)
    assert refused.status_code == 422 and "空字符" in refused.json()["detail"]["__all__"][0]
    assert not Report.objects.exists()
    # A UTC offset PostgreSQL could not store is converted, not refused.
    odd = client.get("/api/v1/reports?since=2026-11-01T00:00:00-16:17", **auth)
    assert odd.status_code == 200


def test_contacts_are_for_staff_not_for_student_cadres(school, as_zhang):
    # Need to know: the counsellor gets 张三's and his guardian's phones; 刘同学, a student and
    # his room's dorm head, sees him in the register without them; the office's token gets them.
    staff = as_zhang.get("/api/v1/students/2024010101").json()
    assert (staff["phone"], staff["guardian_phone"]) == ("13800000001", "13900000001")
    cadre = Client()
    cadre.force_login(school.liu)
    seen = cadre.get("/api/v1/students/2024010101").json()
    assert seen["name"] == "张三" and seen["phone"] is None and seen["guardian_name"] is None
    assert seen["guardian_phone"] is None
    assert all(s["guardian_phone"] is None for s in cadre.get("/api/v1/students?q=2024").json())
    _token, raw = token_create(
        actor=None, name="家校通", unit=school.sch, permissions=["students.read"]
    )
    by_token = Client().get("/api/v1/students/2024010101", **bearer(raw)).json()
    assert by_token["guardian_phone"] == "13900000001"

"""The API: scoped exactly like the web UI, for people (session) and integration tokens."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from shouwang.api.models import ApiToken
from shouwang.api.services import token_create, token_revoke


@pytest.fixture
def as_zhang(school):
    client = Client()
    client.force_login(school.zhang)
    return client


def bearer(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_openapi_document_lists_the_endpoints(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    for path in ["/api/v1/units", "/api/v1/units/{code}", "/api/v1/units/{code}/posts",
                 "/api/v1/students", "/api/v1/students/{student_no}", "/api/v1/people/{person_id}/posts"]:
        assert path in doc["paths"], path


def test_docs_page_uses_local_swagger_under_our_csp(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    body = response.content.decode()
    assert "cdn.jsdelivr" not in body and "/static/ninja/swagger-ui-bundle.js" in body
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


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


def test_no_credentials_is_401(client, school):
    assert client.get("/api/v1/students/2024010101").status_code == 401


def test_token_is_scoped_to_its_unit_and_permissions(client, school):
    token, raw = token_create(actor=school.admin, name="门禁系统", unit=school.class_b, permissions=["students.read"])
    response = client.get("/api/v1/students/2024010201", **bearer(raw))
    assert response.status_code == 200 and response.json()["name"] == "李四"
    assert client.get("/api/v1/students/2024010101", **bearer(raw)).status_code == 404
    assert client.get("/api/v1/units", **bearer(raw)).status_code == 403
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoked_and_forged_tokens_are_refused(client, school):
    token, raw = token_create(actor=school.admin, name="x", unit=school.sch, permissions=["students.read"])
    token_revoke(actor=school.admin, token=token)
    assert client.get("/api/v1/students/2024010101", **bearer(raw)).status_code == 401
    assert client.get("/api/v1/students/2024010101", **bearer("sw_forged")).status_code == 401


def test_raw_token_is_never_stored(school):
    token, raw = token_create(actor=school.admin, name="x", unit=school.sch, permissions=["org.read"])
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert all(raw not in str(value) for value in row.values())
    assert raw.startswith(row["prefix"])


def test_only_admins_create_tokens(school):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        token_create(actor=school.chen, name="x", unit=school.sch, permissions=["org.read"])


def test_token_command_prints_a_working_token_once(client, school):
    out = io.StringIO()
    call_command("token", "create", "--name", "一卡通", "--unit", "C01", "--perm", "students.read", stdout=out)
    raw = next(line for line in out.getvalue().splitlines() if line.startswith("sw_"))
    assert client.get("/api/v1/students/2024010201", **bearer(raw)).status_code == 200
    listing = io.StringIO()
    call_command("token", "list", stdout=listing)
    assert "一卡通" in listing.getvalue() and raw not in listing.getvalue()


@pytest.mark.parametrize("args", [
    ["--name", "x", "--unit", "NOPE", "--perm", "org.read"],
    ["--name", " ", "--unit", "SCH", "--perm", "org.read"],
])
def test_token_command_rejects_bad_input_and_writes_nothing(school, args):
    with pytest.raises(CommandError):
        call_command("token", "create", *args)
    assert ApiToken.objects.count() == 0


def test_token_command_rejects_unknown_permission(school):
    with pytest.raises(CommandError):
        call_command("token", "create", "--name", "x", "--unit", "SCH", "--perm", "everything")
    assert ApiToken.objects.count() == 0

"""Issue 14 item 1: /api/v1/docs fits a phone (a viewport) and speaks the reader's language."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def client_for(user, language=None):
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client


def operations(schema):
    return {
        (method, path.removeprefix("/api/v1")): op
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    }


def test_the_docs_page_has_a_viewport(school):
    page = client_for(school.chen).get("/api/v1/docs")
    assert page.status_code == 200
    assert (
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        in page.content.decode()
    )


def test_summaries_and_tags_are_chinese_and_english_in_english_mode(school):
    zh = operations(client_for(school.chen).get("/api/v1/openapi.json").json())
    assert zh["post", "/reports"]["summary"] == "上报预警"
    assert zh["post", "/reports"]["tags"] == ["预警信息"]
    assert zh["get", "/incidents/{incident_id}/tasks"]["summary"] == "事件的任务"
    assert zh["get", "/units"]["tags"] == ["组织架构"]
    # Every operation has a summary written for people, none made up from a function name.
    assert all(op["summary"] and not op["summary"].isascii() for op in zh.values()), [
        key for key, op in zh.items() if op["summary"].isascii()
    ]
    en = operations(client_for(school.chen, "en").get("/api/v1/openapi.json").json())
    assert en["post", "/reports"]["summary"] == "File a report"
    assert en["post", "/reports"]["tags"] == ["Reports"]
    assert en["get", "/incidents/{incident_id}/tasks"]["summary"] == "The incident's tasks"

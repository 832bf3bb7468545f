"""The plan and incident pages, in Chinese, through a real request cycle."""

import pytest
from django.test import Client

from shouwang.incidents import services
from shouwang.plans.models import Plan, Resource

from .conftest import NOW, TEST_PLAN

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_plan_page_shows_steps_decisions_and_resource_gaps(campus):
    page = client_for(campus.zhang).get("/plans/test_drill/").content.decode()
    assert "控制现场" in page and "启用备用试题重新印制，考试照常举行" in page
    assert "缺 1" in page  # 安保人员: 2 needed, 1 security officer on post


def test_clone_edit_with_line_numbered_errors_and_versions(campus):
    chen = client_for(campus.chen)
    Plan.objects.filter(code="test_drill").update(is_builtin=True)
    assert (
        chen.post(
            "/plans/test_drill/clone/", {"code": "our_drill", "title": "我校演练预案"}
        ).status_code
        == 302
    )
    ours = Plan.objects.get(code="our_drill")
    assert ours.current.document["title"] == "我校演练预案" and ours.based_on.code == "test_drill"
    broken = TEST_PLAN.replace("id: test_drill", "id: our_drill").replace(
        "roles: [counsellor]", "roles: [wizard]"
    )
    response = chen.post("/plans/our_drill/edit/", {"yaml_text": broken})
    assert response.status_code == 400 and "wizard" in response.content.decode()
    assert ours.versions.count() == 1
    fixed = TEST_PLAN.replace("id: test_drill", "id: our_drill").replace(
        "测试预案", "我校演练预案（修订）"
    )
    assert chen.post("/plans/our_drill/edit/", {"yaml_text": fixed}).status_code == 302
    assert ours.current.number == 2
    check = chen.post("/plans/our_drill/check/", {"yaml_text": broken}).content.decode()
    assert "wizard" in check
    # A built-in plan cannot be edited in place; a counsellor cannot edit at all.
    assert chen.post("/plans/test_drill/edit/", {"yaml_text": TEST_PLAN}).status_code == 400
    assert client_for(campus.zhang).get("/plans/our_drill/edit/").status_code == 403


def test_resources_register(campus):
    chen = client_for(campus.chen)
    assert (
        chen.post(
            "/plans/resources/",
            {"kind": "material", "name": "备用试卷", "quantity": "2", "unit_label": "套"},
        ).status_code
        == 302
    )
    bad = chen.post("/plans/resources/", {"kind": "material", "name": "", "quantity": "-1"})
    assert bad.status_code == 400 and Resource.objects.count() == 1
    assert "足够" in client_for(campus.zhang).get("/plans/test_drill/").content.decode()
    assert (
        client_for(campus.zhang)
        .post("/plans/resources/", {"kind": "material", "name": "x", "quantity": "1"})
        .status_code
        == 403
    )


def test_activate_from_the_page_and_the_board(campus):
    chen = client_for(campus.chen)
    form = chen.get("/incidents/new/?plan=test_drill").content.decode()
    assert "特别重大" in form
    response = chen.post(
        "/incidents/new/",
        {"plan": "test_drill", "level": "II", "unit": "C01-2024-1", "title": "食堂斗殴"},
    )
    assert response.status_code == 302
    board = chen.get(response["Location"]).content.decode()
    assert "食堂斗殴" in board and "控制现场" in board and "张老师" in board


def test_a_counsellor_gets_403_publishing_on_the_page(campus):
    incident = services.incident_activate(
        actor=campus.chen, plan=campus.plan, level="II", unit=campus.class_a, now=NOW
    )
    draft = services.release_draft(
        actor=campus.chen, incident=incident, title="通报", body="……", now=NOW
    )
    response = client_for(campus.zhang).post(
        f"/incidents/{incident.pk}/releases/{draft.pk}/publish/", {"channel": "官网"}
    )
    assert response.status_code == 403 and "宣传" in response.content.decode()
    ok = client_for(campus.xuan).post(
        f"/incidents/{incident.pk}/releases/{draft.pk}/publish/", {"channel": "官网"}
    )
    assert ok.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"


def test_the_timeline_page_names_events_in_chinese(campus):
    incident = services.incident_activate(
        actor=campus.chen, plan=campus.plan, level="II", unit=campus.class_a, now=NOW
    )
    page = client_for(campus.boss).get(f"/incidents/{incident.pk}/timeline/").content.decode()
    assert "启动预案" in page or "预案已启动" in page


def test_the_report_page_offers_activation_only_to_those_who_may_activate(campus):
    from datetime import timedelta

    from shouwang.reports.services import report_file, report_verify

    report = report_file(
        actor=campus.zhang,
        category="fight",
        severity="major",
        unit=campus.class_a.code,
        occurred_at=NOW - timedelta(minutes=5),
        place="食堂",
        description="斗殴",
        now=NOW,
    )
    assert (
        "activate-plan"
        not in client_for(campus.chen).get(f"/reports/{report.pk}/").content.decode()
    )
    report_verify(actor=campus.chen, report=report, verdict="true", note="核实", now=NOW)
    assert "activate-plan" in client_for(campus.chen).get(f"/reports/{report.pk}/").content.decode()
    assert (
        "activate-plan"
        not in client_for(campus.zhang).get(f"/reports/{report.pk}/").content.decode()
    )
    report.refresh_from_db()
    incident = services.incident_activate(
        actor=campus.chen, plan=campus.plan, level="II", unit=campus.class_a, report=report, now=NOW
    )
    assert (
        f"/incidents/{incident.pk}/"
        in client_for(campus.zhang).get(f"/reports/{report.pk}/").content.decode()
    )


def test_a_clone_title_with_quotes_and_backslashes_is_kept_verbatim(campus):
    from shouwang.plans.services import plan_clone

    title = '我校"测试"预案 \\ 第2版'
    clone = plan_clone(
        actor=campus.chen, plan=campus.plan, code="quoted_copy", title=title, now=NOW
    )
    assert clone.current.document["title"] == title

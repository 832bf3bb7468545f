"""Incident command in a real browser: the exam-paper-leak plan is activated at Level I from a
verified report; the group head records 启用备用试题重新印制，考试照常举行 with a reason; a
counsellor cannot publish a statement, the publicity officer can; once time passes, the board
shows an overdue task (the test moves the clock of the server and the engine together)."""

import datetime
import re

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from shouwang.escalation.sweep import deadline_sweep
from shouwang.incidents.models import Incident
from shouwang.reports.services import report_file, report_verify

from ..incidents.conftest import campus  # noqa: F401  (the fixture)
from . import conftest as e2e

pytestmark = pytest.mark.e2e
BACKUP = "启用备用试题重新印制，考试照常举行"


def open_as(browser, live_server, password, username):
    return e2e.open_as(browser, live_server, username, password)


def test_exam_leak_plan_from_report_to_overdue_board(browser, live_server, campus):  # noqa: F811
    now = timezone.now()
    report = report_file(
        actor=campus.zhang,
        category="exam_security",
        severity="critical",
        unit=campus.class_a.code,
        occurred_at=now - datetime.timedelta(minutes=3),
        place="印刷厂",
        description="期末试卷在印制环节疑似泄露",
        now=now,
    )
    report_verify(actor=campus.chen, report=report, verdict="true", note="已核实", now=now)

    # 学生处 activates the exam plan at Level I from the report.
    office_ctx, office = open_as(browser, live_server, campus.password, "chen")
    office.goto(f"/reports/{report.pk}/")
    office.locator("#activate-plan").click()
    office.get_by_label("预案").select_option("exam_security")
    office.get_by_role("button", name="选择").click()
    office.get_by_label("级别").select_option("I")
    office.get_by_label("事件类型").select_option("leak_printing")
    office.get_by_role("button", name="启动", exact=True).click()
    expect(office.get_by_text(re.compile("预案已启动"))).to_be_visible()
    incident = Incident.objects.get(report=report)
    assert incident.level == "I" and incident.event_type == "leak_printing"
    board = f"/incidents/{incident.pk}/"
    expect(office.locator("#tasks")).to_contain_text("保护现场")
    office.get_by_label("标题").last.fill("关于期末考试试卷的情况说明")
    office.get_by_label("正文").fill("我校已启用备用试题，考试照常举行。")
    office.get_by_role("button", name="保存草稿").click()
    expect(office.locator("#releases")).to_contain_text("关于期末考试试卷的情况说明")

    # The group head (校长) records the decision with a reason.
    head_ctx, head = open_as(browser, live_server, campus.password, "boss")
    head.goto(board)
    head.get_by_label("决策事项").select_option("leak_printing")
    head.locator("#option").select_option(BACKUP)
    head.locator("#reason").fill("备用试题保管完好，未发现外泄")
    head.locator("#authority").fill("请示上级主管部门后")
    head.locator("#decide-form button[type=submit]").click()
    expect(head.locator("#decisions")).to_contain_text(BACKUP)
    expect(head.locator("#decisions")).to_contain_text("备用试题保管完好")

    # A counsellor is not offered publishing (the server refuses it too, see the board tests);
    # the publicity officer publishes.
    counsellor_ctx, counsellor = open_as(browser, live_server, campus.password, "zhang")
    counsellor.goto(board)
    expect(counsellor.locator("#releases")).to_contain_text("关于期末考试试卷的情况说明")
    expect(counsellor.locator("#releases .publish-button")).to_have_count(0)
    publicity_ctx, publicity = open_as(browser, live_server, campus.password, "xuan")
    publicity.goto(board)
    publicity.locator("#releases input[name=channel]").fill("学校官网")
    publicity.locator("#releases .publish-button").click()
    expect(publicity.locator("#releases")).to_contain_text("已发布")
    expect(publicity.locator("#releases")).to_contain_text("学校官网")

    # Twenty minutes on, nobody has protected the scene (due in 10): the engine tells the head,
    # and the live board marks the task overdue.
    later = timezone.now() + datetime.timedelta(minutes=20)
    with time_machine.travel(later, tick=True):
        assert deadline_sweep(now=later) > 0
        head.goto(board)
        expect(head.locator("#overdue-count")).to_be_visible()
        overdue_row = head.locator("#tasks tr.overdue").filter(has_text="保护现场")
        expect(overdue_row).to_contain_text("已超时")
        head.goto(f"{board}timeline/")
        expect(head.get_by_text("任务超时，已报组长").first).to_be_visible()
    for ctx in (office_ctx, head_ctx, counsellor_ctx, publicity_ctx):
        ctx.close()

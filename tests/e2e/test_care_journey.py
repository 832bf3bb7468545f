"""The care ledger at phone width (issue 17): the psych centre raises 张三's file to 严重心理危机;
his counsellor sees the parents-called task with its deadline, records it done, then records
this month's 谈心谈话 on the talks page and sees the month's obligation met; a counsellor of
another college cannot open the file (404, the attempt on the timeline)."""

import os

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from shouwang.audit.models import Event
from shouwang.care import services
from shouwang.care.models import CareFile, Task
from shouwang.talks.models import Obligation, Talk
from shouwang.talks.obligations import obligations_open

from ..care.conftest import campus  # noqa: F401  (the fixture)
from . import conftest as e2e

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def phone(browser, live_server, campus, username):  # noqa: F811
    context, page = e2e.open_as(browser, live_server, username, campus.password, viewport=PHONE)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


def shot(page, name):
    if os.environ.get("SHOUWANG_E2E_SHOTS"):
        (e2e.ARTIFACTS / "pages").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(e2e.ARTIFACTS / "pages" / f"care-{name}.png"), full_page=True)


def fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_psych_raises_counsellor_does_the_task_other_college_gets_404(
    browser,
    live_server,
    campus,  # noqa: F811
):
    file = services.care_file_open_or_update(
        actor=campus.wu, student=campus.zhangsan, via="psych", risk_factors=["self_harm"]
    )
    url = f"/care/files/{file.pk}/"
    obligations_open(now=timezone.now())  # this month's talks, as the worker's sweep opens them

    # 心理中心 (吴老师) raises the file to 严重心理危机 on the phone.
    ctx, psych, errors = phone(browser, live_server, campus, "wu")
    psych.goto(url)
    psych.locator("#raise-tier").select_option("severe")
    psych.locator("#raise-reason").fill("自伤风险评估为高")
    with psych.expect_navigation():
        psych.locator("#raise").click()
    expect(psych.locator("#task-parents_called")).to_be_visible()
    shot(psych, "raised")
    assert CareFile.objects.get(pk=file.pk).tier == "severe"
    assert fits(psych) and not errors
    ctx.close()

    # The counsellor (张老师) finds the task on the care home, with its deadline, and does it.
    task = Task.objects.get(file=file, code="parents_called")
    due = timezone.localtime(task.due_at).strftime("%m-%d %H:%M")
    ctx, counsellor, errors = phone(browser, live_server, campus, "zhang")
    counsellor.goto("/care/")
    expect(counsellor.locator("#tasks")).to_contain_text(due)
    counsellor.locator("#tasks").get_by_role("link", name="张三").first.click()
    card = counsellor.locator("#task-parents_called")
    expect(card.locator(".due")).to_have_text(
        timezone.localtime(task.due_at).strftime("%Y-%m-%d %H:%M")
    )
    card.locator("input[name=note]").fill("父母已到校面谈")
    with counsellor.expect_navigation():
        card.get_by_role("button").click()
    expect(counsellor.locator("#task-parents_called .tag.ok")).to_be_visible()
    shot(counsellor, "done")
    task.refresh_from_db()
    assert task.done_by == campus.zhang and task.note == "父母已到校面谈"
    assert fits(counsellor) and not errors

    # Then this month's 谈心谈话: the checklist lists 张三; the counsellor records the talk.
    counsellor.goto("/talks/")
    talks = counsellor.locator("#section-talk")
    before = int(talks.get_attribute("data-count"))
    talks.locator('li[data-student="2024010101"] a').click()
    form = counsellor.locator("#talk-form")
    expect(form.locator("#id_kind")).to_have_value("talk")
    form.locator("#id_held_on").fill(timezone.localdate().isoformat())
    form.locator("#id_mode").select_option("phone")
    form.locator("#id_summary").fill("电话谈心：了解近况，约定下周面谈")
    shot(counsellor, "talk-form")
    assert fits(counsellor)
    with counsellor.expect_navigation():
        form.get_by_role("button").click()
    talk = Talk.objects.get(student=campus.zhangsan)
    assert talk.by == campus.zhang and talk.mode == "phone"
    assert Obligation.objects.get(student=campus.zhangsan, kind="talk").state == "met"
    counsellor.goto("/talks/")
    expect(talks).to_have_attribute("data-count", str(before - 1))
    expect(talks.locator('li[data-student="2024010101"]')).to_have_count(0)
    assert fits(counsellor) and not errors
    ctx.close()

    # A counsellor of another college (钱老师, 外语学院) gets 404; the attempt is recorded.
    ctx, other, _errors = phone(browser, live_server, campus, "qian")
    response = other.goto(url)
    assert response.status == 404
    assert "父母已到校" not in other.content() and "张三" not in other.content()
    assert Event.objects.filter(
        verb="care.read_refused", actor_id=campus.qian.pk, subject_id=str(file.pk)
    ).exists()
    ctx.close()


def test_the_counsellor_asks_for_suspension_and_student_affairs_carries_it_out(
    browser,
    live_server,
    campus,  # noqa: F811
):
    file = services.care_file_open_or_update(
        actor=campus.wu, student=campus.zhangsan, via="psych", risk_factors=["self_harm"]
    )
    services.care_tier_change(actor=campus.wu, file=file, tier="severe")

    # The counsellor asks 学生处 for 休学 from the file, on the phone.
    ctx, counsellor, errors = phone(browser, live_server, campus, "zhang")
    counsellor.goto(f"/care/files/{file.pk}/")
    counsellor.locator("#status-reason").fill("医院建议住院治疗，家长同意休学")
    with counsellor.expect_navigation():
        counsellor.locator("#ask-status").click()
    expect(counsellor.locator("#task-status_suspend")).to_contain_text("待学生处办理")
    shot(counsellor, "status-asked")
    assert fits(counsellor) and not errors
    ctx.close()

    # 学生处 (陈处长) finds it on the care home's link and carries it out.
    ctx, office, errors = phone(browser, live_server, campus, "chen")
    office.goto("/care/")
    with office.expect_navigation():
        office.locator("#go-status").click()
    card = office.locator(".card[id^=request-]")
    expect(card).to_contain_text("张三")
    expect(card).not_to_contain_text("住院治疗")  # the reason stays in the file
    shot(office, "status-requests")
    assert fits(office) and not errors
    with office.expect_navigation():
        card.get_by_role("button", name="办理", exact=True).click()
    expect(office.locator("#answered-requests")).to_contain_text("已办理")
    campus.zhangsan.refresh_from_db()
    assert campus.zhangsan.status == "suspended"
    assert fits(office) and not errors
    ctx.close()

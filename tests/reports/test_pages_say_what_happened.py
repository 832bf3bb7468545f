"""Issue 14 item 3: the report page, its timeline and the plan pages say what happened, in
words, with who did it and in which post."""

import datetime
import re
from collections import Counter

import pytest
from django.utils import timezone

from shouwang.escalation.sweep import deadline_sweep
from shouwang.incidents.services import incident_activate
from shouwang.notify.sweep import delivery_sweep
from shouwang.plans.models import Plan
from shouwang.reports import services

from ..incidents.conftest import campus  # noqa: F401  (the fixture)
from .conftest import at, login

pytestmark = pytest.mark.django_db


def rows(html):
    """[(verb, text)] of the timeline table, in page order."""
    return [
        (verb, " ".join(re.sub(r"<[^>]+>", " ", body).split()))
        for verb, body in re.findall(r'<tr data-verb="([^"]+)">(.*?)</tr>', html, re.S)
    ]


def test_people_are_named_with_their_post_and_the_escalation_comes_before_the_level_it_asks(
    school, file_report
):
    report = file_report(now=at(10, 0))  # daytime: the dorm head is asked first
    assert deadline_sweep(now=at(10, 31)) == 1
    lines = rows(login(school.zhang).get(f"/reports/{report.pk}/timeline/").content.decode())
    verbs = [verb for verb, _text in lines]
    first_step = next(text for verb, text in lines if verb == "route.step_started")
    assert "刘同学（宿舍长）" in first_step
    missed, escalated = verbs.index("deadline.missed"), verbs.index("report.escalated")
    asked_next = max(i for i, verb in enumerate(verbs) if verb == "route.step_started")
    assert missed < escalated < asked_next, verbs
    assert "张老师（辅导员）" in lines[asked_next][1]
    assert "第 1 级（宿舍长）" in lines[escalated][1] and "第 2 级" in lines[escalated][1]


def test_a_cancelled_email_is_one_line_with_its_reason(school, file_report, settings):
    settings.EMAIL_HOST = ""
    now = at(10, 0)
    report = file_report(now=now)
    # The person asked wants email too; the server has no mail server configured.
    school.liu.email = "liu@example.edu.cn"
    school.liu.save()
    from shouwang.notify.models import Delivery, Message

    message = Message.objects.filter(
        subject_type="reports.report", subject_id=str(report.pk)
    ).first()
    Delivery.objects.create(
        message=message,
        recipient=school.liu,
        channel="email",
        next_attempt_at=now,
        idempotency_key=f"t-{report.pk}-email",
        created_at=now,
    )
    delivery_sweep(now=now + datetime.timedelta(seconds=1))
    lines = rows(login(school.zhang).get(f"/reports/{report.pk}/timeline/").content.decode())
    cancelled = [text for verb, text in lines if verb == "delivery.cancelled"]
    assert len(cancelled) == 1, lines
    assert "未发送（电子邮件）" in cancelled[0] and "未配置邮件服务器" in cancelled[0]
    assert "刘同学（宿舍长）" in cancelled[0]


def test_plan_activation_and_the_report_outside_read_as_text_with_links(campus):  # noqa: F811
    now = timezone.now()
    report = services.report_file(
        actor=campus.zhang,
        category="fight",
        severity="larger",
        unit=campus.class_a.code,
        occurred_at=now - datetime.timedelta(minutes=3),
        place="食堂",
        description="斗殴",
        now=now,
    )
    services.report_verify(actor=campus.chen, report=report, verdict="true", note="属实", now=now)
    report.refresh_from_db()
    incident = incident_activate(
        actor=campus.chen, plan=campus.plan, level="II", unit=campus.class_a, report=report, now=now
    )
    services.report_external_record(
        actor=campus.chen,
        report=report,
        recipient_kind="police",
        recipient="东区派出所",
        content="已报警",
        sent_at=now - datetime.timedelta(minutes=1),
        now=now,
    )
    html = login(campus.chen).get(f"/reports/{report.pk}/timeline/").content.decode()
    lines = dict(rows(html))
    assert "report.plan_activated" not in [
        label for label in re.findall(r"<strong>([^<]*)</strong>", html)
    ]
    assert (
        "已启动应急预案" in lines["report.plan_activated"]
        and "测试预案" in lines["report.plan_activated"]
    )
    assert f'href="/incidents/{incident.pk}/"' in html
    sent = timezone.localtime(now - datetime.timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
    upward = lines["report.reported_externally"]
    assert "公安机关 东区派出所" in upward and sent in upward and "已报警" in upward


def test_after_verification_and_decision_the_page_shows_the_result_not_empty_forms(
    school, file_report
):
    report = file_report()
    li = login(school.li)
    li.post(f"/reports/{report.pk}/verify/", {"verdict": "true", "note": "电话核实，学生在网吧"})
    li.post(f"/reports/{report.pk}/decide/", {"decision": "local", "note": "学院约谈"})
    page = li.get(f"/reports/{report.pk}/").content.decode()
    outcome = page[page.index('id="outcome"') :]
    verified = re.search(r'id="verified">(.*?)</dd>', outcome, re.S).group(1)
    assert (
        "属实" in verified
        and "李书记（分管学生工作副书记）" in verified
        and "电话核实，学生在网吧" in verified
    )
    decided = re.search(r'id="decided">(.*?)</dd>', outcome, re.S).group(1)
    assert "就地处置" in decided and "学院约谈" in decided
    assert f'action="/reports/{report.pk}/verify/"' not in page
    assert f'action="/reports/{report.pk}/decide/"' not in page


def test_the_reporter_is_named_with_their_post(school, file_report):
    report = file_report(actor=school.liu)
    page = login(school.zhang).get(f"/reports/{report.pk}/").content.decode()
    assert "刘同学（宿舍长）" in page


def test_deciding_on_a_plan_leads_to_activation_with_the_plan_for_the_category(campus):  # noqa: F811
    now = timezone.now()
    report = services.report_file(
        actor=campus.zhang,
        category="fight",
        severity="larger",
        unit=campus.class_a.code,
        occurred_at=now - datetime.timedelta(minutes=3),
        place="食堂",
        description="斗殴",
        now=now,
    )
    chen = login(campus.chen)
    chen.post(f"/reports/{report.pk}/verify/", {"verdict": "true"})
    response = chen.post(f"/reports/{report.pk}/decide/", {"decision": "plan"})
    assert (
        response.status_code == 302
        and response["Location"] == f"/incidents/new/?report={report.pk}"
    )
    form = chen.get(response["Location"]).content.decode()
    group_fight = Plan.objects.get(code="group_fight")
    assert re.search(rf'<option value="group_fight" selected>{group_fight.title}</option>', form)
    assert 'id="activate-button"' in form  # the activation form itself, not just the plan picker


def test_the_number_of_people_shows_the_students_listed_when_none_was_given(school, file_report):
    report = file_report(students=["2024010101", "2024010102"])
    page = login(school.li).get(f"/reports/{report.pk}/").content.decode()
    assert re.search(r'id="people-count">2（所列学生）</dd>', page)


def test_no_two_inputs_on_the_report_page_share_an_id(school, file_report):
    report = file_report()
    page = login(school.li).get(f"/reports/{report.pk}/").content.decode()
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert not [i for i, n in ids.items() if n > 1], ids
    for target in re.findall(r'<label for="([^"]+)"', page):
        assert ids[target] == 1, target


def test_plan_due_times_read_as_days_hours_and_minutes(school):
    from django.utils.translation import override

    from shouwang.web.templatetags.shouwang_web import minutes_in_words, within_minutes

    assert within_minutes(4320) == "3 天内"
    assert within_minutes(90) == "1 小时 30 分钟内"
    assert within_minutes(30) == "30 分钟内"
    with override("en"):
        assert minutes_in_words(1500) == "1 day 1 hour"
    page = login(school.chen).get("/plans/group_fight/").content.decode()
    assert "4320 分钟" not in page and "3 天内" in page


def test_a_covert_reporter_named_among_recipients_stays_hidden_below_counsellor(
    school, file_report
):
    from shouwang.audit.services import event_record
    from shouwang.org.models import Post, Role

    Post.objects.create(
        person=school.nobody,
        unit=school.class_a,
        role=Role.objects.get(code="covert_observer"),
        since=datetime.date(2024, 9, 1),
    )
    report = file_report(actor=school.nobody, unit="C01-2024-1")
    # Whatever names the reporter among the people reached (an information copy, a delivery).
    event_record(
        actor=None,
        subject=report,
        verb="route.informed",
        at=timezone.now(),
        data={"step": 0, "reason": "skipped_level", "recipients": [school.nobody.pk]},
    )
    event_record(
        actor=None,
        subject=report,
        verb="delivery.sent",
        at=timezone.now(),
        data={"channel": "sms", "recipient": school.nobody.pk},
    )
    lines = dict(rows(login(school.liu).get(f"/reports/{report.pk}/timeline/").content.decode()))
    # Neither the name nor "隐形安全员" (the label alone told a class who watches it, #18).
    assert "无岗位" not in lines["route.informed"] and "报告人不公开" in lines["route.informed"]
    assert "隐形安全员" not in lines["route.informed"]
    assert "无岗位" not in lines["delivery.sent"]
    assert (
        "无岗位"
        in dict(rows(login(school.zhang).get(f"/reports/{report.pk}/timeline/").content.decode()))[
            "route.informed"
        ]
    )

"""The demo school's hazard campaign (风险隐患大排查, issue 16 item 5): 学生处 (the xsc login)
issued seed 003's twelve-item checklist five days before `today` to every college and four
offices, due yesterday at 17:00. 教务处 answered with no problem; the first college (the
c01_secretary login) and 后勤处 found problems, which became corrective actions; the mental
health centre answered this morning, late; the other colleges and 保卫处 have not answered, were
reminded the day before the due date and escalated at it by the engine's own sweep. Everything
goes through the services with a fixed clock relative to `today`."""

import datetime

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.campaigns import services
from shouwang.campaigns.checklists import DEFAULT, checklist_items
from shouwang.campaigns.deadlines import holders
from shouwang.campaigns.models import CampaignUnit
from shouwang.escalation.sweep import deadline_sweep
from shouwang.org.models import Unit

OFFICES = ["JWC", "HQC", "XLZX", "BWC"]
# unit code → (days from today, hour, {item title: (problem, measure taken)})
ANSWERS = {
    "JWC": (-4, 15, {}),
    "C01": (
        -3,
        11,
        {
            "心理": (
                "2名学生近期情绪低落、夜不归宿，辅导员谈心后仍有顾虑",
                "已转介心理健康教育中心并通知家长，辅导员每周谈心一次",
            ),
            "特殊困境": (
                "1名学生家庭突发变故，经济困难",
                "已启动临时困难补助，安排勤工助学岗位",
            ),
        },
    ),
    "HQC": (
        -2,
        16,
        {
            "学生集中活动场所管理": (
                "二食堂高峰时段通道堆放杂物，疏散通道不畅",
                "已清理杂物，安排专人高峰时段值守",
            )
        },
    ),
    "XLZX": (0, 9, {}),  # after the due date: answered late
}


def _at(today, days, hour):
    return timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=days), datetime.time(hour))
    )


def campaigns_demo(*, today: datetime.date) -> None:
    xsc = User.objects.filter(username="xsc").first()
    colleges = list(
        Unit.objects.filter(kind=Unit.Kind.COLLEGE).order_by("path").values_list("code", flat=True)
    )
    offices = list(Unit.objects.filter(code__in=OFFICES).values_list("code", flat=True))
    if xsc is None or not colleges:
        return
    items = [i["title"] for i in checklist_items(DEFAULT)]
    campaign = services.campaign_create(
        actor=xsc,
        title=f"{today.year}年风险隐患大排查大整治",
        instructions="请各单位对照清单逐项排查，发现问题如实填报并落实针对性防范管控措施。",
        issuer_unit="XSC",
        units=colleges + [c for c in OFFICES if c in offices],
        items=items,
        due_at=_at(today, -1, 17),
        fix_days=14,
        template=DEFAULT,
        now=_at(today, -5, 9),
    )
    assignments = {
        a.unit.code: a
        for a in CampaignUnit.objects.filter(campaign=campaign).select_related("campaign", "unit")
    }
    by_title = {i.title: i for i in campaign.items.all()}

    def answer(code):
        days, hour, problems = ANSWERS[code]
        a = assignments.get(code)
        people = holders(a, now=_at(today, days, hour)) if a else []
        if not people:
            return
        answers = {str(i.pk): {"has_problem": False} for i in by_title.values()}
        for title, (problem, measure) in problems.items():
            answers[str(by_title[title].pk)] = {
                "has_problem": True,
                "description": problem,
                "measure": measure,
            }
        services.campaign_answer(
            actor=people[0], assignment=a, answers=answers, now=_at(today, days, hour)
        )

    for code in ("JWC", "C01", "HQC"):
        answer(code)
    # The engine reminds the silent units the day before and escalates them at the due time.
    deadline_sweep(now=_at(today, -2, 17))
    deadline_sweep(now=_at(today, -1, 17))
    answer("XLZX")

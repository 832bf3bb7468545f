"""The demo school's accountability record: a few days of reports and one incident, written
through the reports, incidents and escalation services on a clock fixed relative to `today`,
that leave one finding of every kind; the detector then finds them (nobody types a finding).
One 瞒报 is explained by the counsellor and decided by 学生处 (尽职免责); a 迟报 is confirmed."""

import datetime

from django.utils import timezone

from shouwang.accountability.models import Finding
from shouwang.accountability.services import detector_run, finding_decide, finding_explain
from shouwang.accounts.models import User
from shouwang.escalation.sweep import deadline_sweep
from shouwang.incidents.services import arrival_record, incident_activate
from shouwang.org.models import Post, Unit
from shouwang.plans.models import Plan
from shouwang.reports.services import (
    report_acknowledge,
    report_decide,
    report_file,
    report_update_add,
    report_verify,
)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def accountability_demo(*, today: datetime.date) -> dict:
    people = {
        u.username: u
        for u in User.objects.filter(
            username__in=["xsc", "bwc", "c01_secretary", "counsellor1", "teacher1"]
        )
    }
    if len(people) < 5:
        return {}
    xsc, bwc, secretary, counsellor, teacher = (
        people[u] for u in ("xsc", "bwc", "c01_secretary", "counsellor1", "teacher1")
    )
    mine = (
        Post.objects.current(today)
        .filter(person=counsellor, role__code="counsellor")
        .select_related("unit")
    )
    classes = [p.unit for p in mine.order_by("unit__code")]
    taught = Post.objects.current(today).filter(person=teacher, role__code="class_teacher").first()
    if len(classes) < 2 or taught is None:
        return {}
    first, second = classes[0], classes[1]
    # Three working days ago, in the morning: no night duty, the routes as written.
    day = today - datetime.timedelta(days=3)
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)

    def file(actor, when, unit, **kw):
        kw.setdefault("place", "二食堂门口")
        kw.setdefault("description", "学生冲突")
        return report_file(actor=actor, unit=unit.code, now=when, **kw)

    # 迟报: a 一般 discipline matter filed three hours after it happened (limit: 2 hours).
    file(
        counsellor,
        _at(day, 11),
        second,
        category="discipline",
        severity="general",
        occurred_at=_at(day, 8),
        description="晚自习期间两名学生争吵推搡，次日上午才上报",
    )
    # 瞒报: a 重大 fight; the college acknowledges, verifies and handles it locally.
    fight = file(
        counsellor,
        _at(day, 9, 5),
        first,
        category="fight",
        severity="major",
        occurred_at=_at(day, 9),
        people_count=2,
        description="两名学生在二食堂门口打架，一人面部受伤",
    )
    report_acknowledge(actor=secretary, report=fight, channel="web", now=_at(day, 9, 8))
    fight = report_verify(
        actor=secretary, report=fight, verdict="true", note="属实", now=_at(day, 9, 20)
    )
    report_decide(
        actor=secretary, report=fight, decision="local", note="学院内部处理", now=_at(day, 9, 30)
    )
    # 漏报: 保卫处 hears from the police of a fight in the teacher's class; nobody there reported.
    file(
        bwc,
        _at(day, 14),
        taught.unit,
        category="fight",
        severity="larger",
        occurred_at=_at(day, 13, 40),
        place="校外夜市",
        description="派出所来电：该班两名学生在校外夜市与人斗殴",
    )
    # 虚报/谎报: two people reported; verified true; the update says seven.
    brawl = file(
        counsellor,
        _at(day, 15),
        first,
        category="drinking",
        severity="larger",
        occurred_at=_at(day, 14, 50),
        people_count=2,
        place="学生公寓3号楼",
        description="两名学生宿舍内饮酒",
    )
    report_verify(actor=xsc, report=brawl, verdict="true", note="属实", now=_at(day, 15, 30))
    report_update_add(
        actor=xsc, report=brawl, text="经查实际参与饮酒七人", people_count=7, now=_at(day, 16)
    )
    rumour = file(
        teacher,
        _at(day, 10),
        taught.unit,
        category="campus_loan",
        severity="general",
        occurred_at=_at(day, 9, 50),
        description="听说有学生借校园贷",
    )
    report_verify(actor=xsc, report=rumour, verdict="false", note="查无此事", now=_at(day, 11))
    # 未及时到位: nobody at the first level acknowledges in time (the engine records the miss)…
    night = day - datetime.timedelta(days=1)
    file(
        xsc,
        _at(night, 16),
        first,
        category="mental_health",
        severity="general",
        occurred_at=_at(night, 15, 50),
        description="学生情绪低落，需关注",
    )
    deadline_sweep(now=_at(night, 18))
    # …and 学生处's group arrives at the fight late (due 20 minutes after activation).
    plan = Plan.objects.filter(code="group_fight", is_active=True).first()
    if plan is not None and Unit.objects.filter(pk=first.pk).exists():
        incident = incident_activate(
            actor=xsc,
            plan=plan,
            level="III",
            unit=first,
            title="二食堂门口学生打架",
            event_type="group_fight",
            now=_at(day, 17),
        )
        arrival_record(actor=counsellor, incident=incident, now=_at(day, 17, 10))
        arrival_record(actor=xsc, incident=incident, now=_at(day, 17, 45))
    result = detector_run(actor=None, now=_at(day, 18))
    # The flow on two of them: the counsellor explains the 瞒报 and is exempted; a 迟报 confirmed.
    concealed = Finding.objects.filter(kind="concealed", person=counsellor).first()
    if concealed is not None:
        finding_explain(
            actor=counsellor,
            finding=concealed,
            text="我在五分钟内报告了学院，学院决定就地处理。",
            now=_at(day, 19),
        )
        finding_decide(
            actor=xsc,
            finding=concealed,
            outcome="exempted",
            reason="辅导员已按时报告学院，尽职免责。",
            now=_at(day + datetime.timedelta(days=1), 9),
        )
    late = Finding.objects.filter(kind="late_report", person=counsellor).first()
    if late is not None:
        finding_decide(
            actor=xsc,
            finding=late,
            outcome="confirmed",
            reason="事发三小时后才上报，超过两小时时限。",
            now=_at(day + datetime.timedelta(days=1), 9, 10),
        )
    return result

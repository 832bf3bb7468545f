"""The demo school's talks: the semester; last month's talks of counsellor1's and
counsellor2's classes, the students they missed gone overdue (one message to each; the deputy
secretary's follows from the worker once the grace period passed); this month's obligations for
every student, with some talks and parent contacts recorded; some guardian phones verified. All
through the talks and org services, on a clock fixed relative to `today`."""

import datetime

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.org.models import Post, Student
from shouwang.org.services import student_guardian_verify
from shouwang.talks import obligations
from shouwang.talks.models import Kind, Mode
from shouwang.talks.services import semester_create, talk_record

SUMMARIES = [
    "聊了学习进度和作息，状态良好",
    "谈及宿舍关系，已提醒互相体谅",
    "近期考试压力较大，约定下周再谈",
    "家庭经济情况说明，已介绍资助政策",
    "参加社团活动积极，鼓励保持",
]


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _semester_around(today: datetime.date) -> tuple[str, datetime.date, datetime.date]:
    y = today.year
    if today.month >= 9:
        return f"{y}-{y + 1}学年第一学期", datetime.date(y, 9, 1), datetime.date(y + 1, 1, 31)
    if today.month == 1:
        return f"{y - 1}-{y}学年第一学期", datetime.date(y - 1, 9, 1), datetime.date(y, 1, 31)
    if today <= datetime.date(y, 7, 15):
        return f"{y - 1}-{y}学年第二学期", datetime.date(y, 2, 1), datetime.date(y, 7, 15)
    return f"{y}年暑期小学期", datetime.date(y, 7, 16), datetime.date(y, 8, 31)


def talks_demo(*, today: datetime.date) -> None:
    people = {
        u.username: u
        for u in User.objects.filter(username__in=["xsc", "counsellor1", "counsellor2"])
    }
    if len(people) < 3:
        return
    name, start, end = _semester_around(today)
    semester_create(actor=people["xsc"], name=name, start=start, end=end, now=_at(today, 8))
    month_start = today.replace(day=1)
    last_month = (month_start - datetime.timedelta(days=1)).replace(day=1)
    mine = {
        who: list(
            Post.objects.current(today)
            .filter(person=people[who], role__code="counsellor")
            .values_list("unit_id", flat=True)
        )
        for who in ("counsellor1", "counsellor2")
    }
    classes = mine["counsellor1"] + mine["counsellor2"]
    students = list(
        Student.objects.filter(klass_id__in=classes, status=Student.Status.ENROLLED)
        .select_related("klass")
        .order_by("student_no")
    )
    holder_of = {c: people["counsellor1"] for c in mine["counsellor1"]}
    holder_of.update({c: people["counsellor2"] for c in mine["counsellor2"]})
    # Last month, for these classes: most students talked with, the rest overdue at month end.
    obligations.obligations_open(now=_at(last_month, 8), classes=classes)
    for i, s in enumerate(students):
        if i % 4 != 3:
            talk_record(
                actor=holder_of[s.klass_id],
                student=s,
                kind=Kind.TALK,
                held_on=last_month + datetime.timedelta(days=i % 27),
                mode=[Mode.FACE, Mode.PHONE, Mode.WECHAT][i % 3],
                summary=SUMMARIES[i % len(SUMMARIES)],
                detail="近期睡眠不好，情绪低落，已建议到心理中心咨询" if i % 9 == 0 else "",
                now=_at(month_start, 7),
            )
    ends = _at(month_start, 0) + datetime.timedelta(minutes=5)
    while obligations.sweep_overdue(ends, "demo", 500):
        pass
    # The escalation to the deputy secretary is due three days later: the worker's first tick
    # sends it if that time has passed.
    # This month, for every student; counsellor1 has talked with some already.
    now = timezone.now()
    obligations.obligations_open(now=now)
    for i, s in enumerate(students[:60]):
        who = holder_of[s.klass_id]
        if i % 3 == 0:
            talk_record(
                actor=who,
                student=s,
                kind=Kind.TALK,
                held_on=month_start + datetime.timedelta(days=i % today.day),
                mode=Mode.FACE,
                summary=SUMMARIES[(i + 2) % len(SUMMARIES)],
                now=now,
            )
        if i % 4 == 0:
            talk_record(
                actor=who,
                student=s,
                kind=Kind.PARENT_CONTACT,
                held_on=max(start, today - datetime.timedelta(days=i % 20)),
                mode=Mode.PHONE,
                summary="与家长电话沟通在校情况",
                now=now,
            )
    # Some guardians confirmed their number (as through the SMS link).
    for s in students[:40:2]:
        if s.guardian_phone:
            student_guardian_verify(student=s, phone=s.guardian_phone, now=now)

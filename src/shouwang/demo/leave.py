"""The demo school's leave, through the leave services: student1 on approved leave now,
student2's request waiting for counsellor1, student3 living off campus with approval, and
a few more students of the first classes on leave tonight (the night scan excuses them)."""

import datetime

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.leave.permissions import role_holders
from shouwang.leave.services import leave_apply, leave_decide
from shouwang.org.models import Student, Unit

OTHERS_ON_LEAVE = 12
REASONS = [
    ("家中有事", "老家"),
    ("身体不适，回家休养", "家中"),
    ("参加亲属婚礼", "外地"),
    ("医院复查", "市第一人民医院"),
]


def _through_the_chain(leave, now):
    """Each step approved by the first holder of its role, a few minutes apart."""
    while leave.state == "pending":
        approver = role_holders(leave.student, leave.step_role)[0]
        now += datetime.timedelta(minutes=40)
        leave = leave_decide(actor=approver, leave=leave, verdict="approved", note="同意", now=now)
    return leave


def _apply(student, *, start, end, now, reason, destination, **extra):
    return leave_apply(
        actor=student.user,
        start_at=start,
        end_at=end,
        reason=reason,
        destination=destination,
        emergency_name=student.guardian_name or "家长",
        emergency_phone=student.guardian_phone or "13800000000",
        now=now,
        **extra,
    )


def leave_demo(*, today: datetime.date) -> None:
    now = timezone.now()
    named = {
        u.username: u.student
        for u in User.objects.filter(username__in=["student1", "student2", "student3"])
        .select_related("student__klass")
        .exclude(student=None)
    }
    morning = timezone.make_aware(datetime.datetime.combine(today, datetime.time(8, 0)))
    if "student1" in named:  # 3 days home, approved by counsellor, secretary and dean
        s = named["student1"]
        applied = morning - datetime.timedelta(days=2)
        leave = _apply(
            s,
            start=morning - datetime.timedelta(days=1),
            end=morning + datetime.timedelta(days=2, hours=10),
            now=applied,
            reason="家中有事，回家处理",
            destination="浙江省杭州市",
        )
        _through_the_chain(leave, applied)
    if "student2" in named:  # tomorrow, one day: waits for counsellor1
        s = named["student2"]
        _apply(
            s,
            start=morning + datetime.timedelta(days=1),
            end=morning + datetime.timedelta(days=1, hours=10),
            now=now - datetime.timedelta(hours=1),
            reason="医院复查",
            destination="市第一人民医院",
        )
    if "student3" in named:  # living with the family this term, the guardian agreed
        s = named["student3"]
        applied = morning - datetime.timedelta(days=10)
        leave = _apply(
            s,
            kind="off_campus",
            start=morning - datetime.timedelta(days=7),
            end=morning + datetime.timedelta(days=100),
            now=applied,
            reason="身体原因，需家人照顾",
            destination="",
            address="学府路8号小区3栋502",
            guardian_consent=True,
            guardian_consent_note="监护人电话确认并签字",
        )
        _through_the_chain(leave, applied)
    # A few more students of the first classes, away since yesterday afternoon until tomorrow
    # noon (two days: the counsellor and the deputy secretary): last night's scan excuses them.
    first_classes = list(Unit.objects.filter(kind="class").order_by("path")[:4])
    others = (
        Student.objects.filter(klass__in=first_classes, status="enrolled", user__isnull=False)
        .exclude(user__username__in=list(named))
        .exclude(user__posts__isnull=False)  # cadres keep their own story
        .select_related("klass", "user")
        .order_by("klass__path", "student_no")[: OTHERS_ON_LEAVE * 3 : 3]
    )
    for i, student in enumerate(others):
        reason, destination = REASONS[i % len(REASONS)]
        applied = morning - datetime.timedelta(hours=22)
        leave = _apply(
            student,
            start=morning - datetime.timedelta(hours=18),
            end=morning + datetime.timedelta(hours=28),
            now=applied,
            reason=reason,
            destination=destination,
        )
        _through_the_chain(leave, applied)

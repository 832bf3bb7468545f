"""The demo school's handovers: counsellor2's last class passes to another counsellor of the
same college, or in a small school to a newly hired one (through the posts services: the
handover opens through org's post-change hook), with counsellor2's note; the new counsellor
has not acknowledged yet."""

import datetime

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.handovers.models import Handover
from shouwang.handovers.services import handover_note_set
from shouwang.org.models import Post, Unit
from shouwang.org.services import post_assign, post_end


def handovers_demo(*, today: datetime.date) -> None:
    people = {u.username: u for u in User.objects.filter(username__in=["xsc", "counsellor2"])}
    if len(people) < 2:
        return
    xsc, old = people["xsc"], people["counsellor2"]
    posts = list(
        Post.objects.current(today)
        .filter(person=old, role__code="counsellor")
        .select_related("unit", "role")
        .order_by("unit__code")
    )
    if len(posts) < 2:
        return
    post = posts[-1]
    college = next(
        (
            u
            for u in Unit.objects.filter(kind=Unit.Kind.COLLEGE)
            if post.unit.path.startswith(u.path)
        ),
        None,
    )
    if college is None:
        return
    successor = (
        Post.objects.current(today)
        .filter(role__code="counsellor", unit__path__startswith=college.path)
        .exclude(person__username__in=["counsellor1", "counsellor2"])
        .select_related("person")
        .order_by("unit__code")
        .first()
    )
    if successor is not None:
        person = successor.person
    else:  # a small demo school: a newly hired counsellor (the demo accounts' shared password)
        person = User.objects.create(
            username="T9901", staff_no="T9901", full_name="钱老师", password=old.password
        )
    post_end(actor=xsc, post=post, until=today - datetime.timedelta(days=1))
    post_assign(actor=xsc, person=person, unit=post.unit, role=post.role, since=today)
    handover = Handover.objects.filter(from_post=post).first()
    if handover is not None:
        handover_note_set(
            actor=old,
            handover=handover,
            note="班上有两名学生家庭经济困难，已申请助学金；一名学生近期情绪波动，"
            "已与心理中心沟通，请继续关注。班委名单在班级群公告中。",
            now=timezone.now(),
        )

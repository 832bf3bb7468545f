"""Issue 14 item 3 on the duty page: a counsellor whose classes are covered by the college's
roster sees the officer once, for all the classes, and is not told there is no roster."""

import datetime
import re

from django.test import Client
from django.utils import timezone

from shouwang.escalation.services import duty_shift_add

from ..conftest import _post


def test_the_counsellor_sees_the_college_officer_once_and_no_no_roster(school, time_machine):
    # 20:00 in the school's zone: the day's shift is the one on duty (between midnight and the
    # morning, yesterday's shift is; the test used the machine's clock and failed then).
    evening = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(), datetime.time(20, 0))
    )
    time_machine.move_to(evening, tick=False)
    _post(school.zhang, school.class_b, "counsellor")  # two classes, both under 计算机学院
    duty_shift_add(
        actor=school.admin,
        unit=school.c01,
        date=timezone.localdate(),
        person=school.sun,
        phone="13800000009",
    )
    client = Client()
    client.force_login(school.zhang)
    page = client.get("/escalation/duty/").content.decode()
    on_duty = page[page.index('id="on-duty-title"') : page.index('id="week-title"')]
    assert on_duty.count("13800000009") == 1, "one officer covering two classes is listed once"
    assert "计科2024-1班" in on_duty and "计科2024-2班" in on_duty
    no_roster = re.search(r'id="no-roster">(.*?)</td>', page, re.S).group(1)
    assert "尚无值班表" not in no_roster
    assert "计算机学院" in no_roster

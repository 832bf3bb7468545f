"""The test school, plus a psychological centre and a second college.

心理中心 XLZX (office, function psych) — 周主任 (zhou, leader, the head), 吴老师 (wu, psych_staff)
外语学院 C02 / 2024级 / 英语2024-1班 C02-2024-1 — counsellor 钱老师 (qian), student 赵六
保卫处 BWC (office, security) — 郑科长 (zheng, security_officer: school-wide)
"""

import datetime

import pytest
from django.db import transaction

from shouwang.accounts.models import User
from shouwang.org.models import Post, Role, Student, Unit

from ..conftest import PASSWORD


def _post(person, unit, role):
    Post.objects.create(
        person=person,
        unit=unit,
        role=Role.objects.get(code=role),
        since=datetime.date(2024, 9, 1),
    )


@pytest.fixture
def campus(school):
    with transaction.atomic():
        xlzx = Unit.objects.create(
            code="XLZX", name="心理中心", kind="office", parent=school.sch, function="psych"
        )
        bwc = Unit.objects.create(
            code="BWC", name="保卫处", kind="office", parent=school.sch, function="security"
        )
        c02 = Unit.objects.create(code="C02", name="外语学院", kind="college", parent=school.sch)
        g2 = Unit.objects.create(code="C02-2024", name="2024级", kind="grade", parent=c02)
        e1 = Unit.objects.create(code="C02-2024-1", name="英语2024-1班", kind="class", parent=g2)
        people = {}
        for username, name, no in (
            ("zhou", "周主任", "T0101"),
            ("wu", "吴老师", "T0102"),
            ("qian", "钱老师", "T0103"),
            ("zheng", "郑科长", "T0104"),
        ):
            people[username] = User.objects.create_user(
                username=username, password=PASSWORD, full_name=name, staff_no=no
            )
        _post(people["zhou"], xlzx, "leader")
        _post(people["wu"], xlzx, "psych_staff")
        _post(people["qian"], e1, "counsellor")
        _post(people["zheng"], bwc, "security_officer")
        zhaoliu = Student.objects.create(student_no="2024020101", name="赵六", gender="F", klass=e1)
    for k, v in people.items():
        setattr(school, k, v)
    school.xlzx, school.bwc, school.c02, school.class_e = xlzx, bwc, c02, e1
    school.zhaoliu = zhaoliu
    return school

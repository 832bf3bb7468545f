"""A small plan written for the tests (the built-in library is tested in tests/plans) and the
extra people an incident needs: a school leader, the security, publicity and academic offices."""

import datetime
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.org.models import Post, Role, Unit
from shouwang.plans.models import Plan, PlanVersion
from shouwang.plans.services import plan_parse

TEST_PLAN = """\
id: test_drill
title: 测试预案
levels:
  - {code: I, name: 特别重大}
  - {code: II, name: 重大}
  - {code: III, name: 较大}
event_types:
  - {code: leak, name: 试题泄密, level: I}
  - {code: fight, name: 斗殴}
command_group:
  - {position: head, title: 组长, roles: [school_leader], at: school}
  - {position: deputy, title: 副组长, roles: [leader], at: "office:student_affairs"}
  - {position: member, title: 成员, roles: [security_officer], at: "office:security"}
  - {position: office, title: 办公室, roles: [student_affairs_officer],
      at: "office:student_affairs"}
phases:
  - code: initial
    title: 先期处置
    steps:
      - {id: contain, title: 控制现场, responsible: {roles: [counsellor], at: class},
          due_minutes: 15}
      - {id: report_head, title: 报告组长, responsible: {position: office}, due_minutes: 10}
      - {id: seal, title: 封存试卷, responsible: {position: member}, due_minutes: 30,
          levels: [I], event_types: [leak]}
  - code: onsite
    title: 现场处置
    steps:
      - {id: investigate, title: 调查, responsible: {roles: [deputy_secretary], at: college},
          due_minutes: 60, levels: [I, II]}
      - {id: tidy_up, title: 整理记录, responsible: {position: office}, due_minutes: 120,
          mandatory: false}
decisions:
  - id: backup_paper
    title: 印制环节泄密
    authority: head
    free_text: false
    options: ["启用备用试题重新印制，考试照常举行", "终止该场考试"]
  - {id: police, title: 是否报警, authority: group, free_text: true, options: [报警, 不报警]}
external_reports:
  - {id: authority, recipient: 上级教育主管部门, due_minutes: 60, levels: [I],
      responsible: {position: office}}
resources:
  - {kind: people, name: 安保人员, role: security_officer, quantity: 2}
  - {kind: material, name: 备用试卷, quantity: 1, unit: 套}
"""

NOW = timezone.make_aware(datetime.datetime(2026, 11, 24, 10, 0))


def _post(person, unit, role):
    Post.objects.create(
        person=person, unit=unit, role=Role.objects.get(code=role), since=datetime.date(2024, 9, 1)
    )


@pytest.fixture
def campus(school):
    """The conftest school plus the offices and people incident command needs."""
    with transaction.atomic():
        bwc = Unit.objects.create(
            code="BWC", name="保卫处", kind="office", parent=school.sch, function="security"
        )
        xcb = Unit.objects.create(
            code="XCB", name="党委宣传部", kind="office", parent=school.sch, function="publicity"
        )
        jwc = Unit.objects.create(
            code="JWC", name="教务处", kind="office", parent=school.sch, function="academic"
        )
        boss = User.objects.create_user(
            username="boss", password=school.password, full_name="周校长"
        )
        bao = User.objects.create_user(username="bao", password=school.password, full_name="鲍科长")
        xuan = User.objects.create_user(
            username="xuan", password=school.password, full_name="宣部长"
        )
        jiao = User.objects.create_user(
            username="jiao", password=school.password, full_name="焦处长"
        )
        _post(boss, school.sch, "school_leader")
        _post(bao, bwc, "security_officer")
        _post(xuan, xcb, "publicity_officer")
        _post(jiao, jwc, "academic_officer")
        _post(jiao, jwc, "leader")
        version = PlanVersion.objects.create(
            plan=Plan.objects.create(code="test_drill", title="测试预案", created_at=NOW),
            number=1,
            yaml_text=TEST_PLAN,
            document=plan_parse(TEST_PLAN, "test_drill.yaml"),
            created_at=NOW,
        )
    return SimpleNamespace(
        **vars(school),
        bwc=bwc,
        xcb=xcb,
        jwc=jwc,
        boss=boss,
        bao=bao,
        xuan=xuan,
        jiao=jiao,
        plan=version.plan,
    )

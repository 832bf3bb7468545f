"""The incidents campus plus a plan with on-scene steps, and helpers to file, verify and decide
reports at explicit times (the detector reads only what the record holds)."""

import datetime
import zoneinfo

import pytest
from django.test import Client

from shouwang.plans.models import Plan, PlanVersion
from shouwang.plans.services import plan_parse
from shouwang.reports.services import report_file
from tests.incidents.conftest import campus  # noqa: F401  (the fixture, shared)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

SCENE_PLAN = """\
id: scene_drill
title: 到场测试预案
levels:
  - {code: II, name: 重大}
event_types:
  - {code: fight, name: 斗殴}
command_group:
  - {position: head, title: 组长, roles: [school_leader], at: school}
  - {position: deputy, title: 副组长, roles: [leader], at: "office:student_affairs"}
  - {position: office, title: 办公室, roles: [student_affairs_officer],
      at: "office:student_affairs"}
phases:
  - code: initial
    title: 先期处置
    steps:
      - {id: counsellor_on_scene, title: 辅导员赶赴现场,
          responsible: {roles: [counsellor], at: class}, due_minutes: 15}
      - {id: office_on_scene, title: 学生处赶赴现场, responsible: {position: deputy},
          due_minutes: 20}
      - {id: report_head, title: 报告组长, responsible: {position: office}, due_minutes: 10}
"""


def at(hour, minute=0, day=24):
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def login(person):
    client = Client()
    client.force_login(person)
    return client


@pytest.fixture
def scene_plan(campus):  # noqa: F811
    version = PlanVersion.objects.create(
        plan=Plan.objects.create(code="scene_drill", title="到场测试预案", created_at=at(8)),
        number=1,
        yaml_text=SCENE_PLAN,
        document=plan_parse(SCENE_PLAN, "scene_drill.yaml"),
        created_at=at(8),
    )
    return version.plan


@pytest.fixture
def file_at(campus):  # noqa: F811
    """File a report at `filed` about something that happened at `occurred`."""

    def _file(
        *, actor, filed, occurred=None, category="fight", severity="major", unit="C01-2024-1", **kw
    ):
        return report_file(
            actor=actor,
            category=category,
            severity=severity,
            unit=unit,
            occurred_at=occurred or filed - datetime.timedelta(minutes=5),
            place=kw.pop("place", "二食堂门口"),
            description=kw.pop("description", "两名学生打架"),
            now=filed,
            **kw,
        )

    return _file

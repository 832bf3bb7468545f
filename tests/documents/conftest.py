"""A closed incident with a full record to write reports about: a fight in class A reported by
the counsellor 张老师, acknowledged, a plan activated by 陈处长, arrivals, a situation update, two
decisions, a published statement, a report upward, every task done, closed."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.test import Client

from shouwang.incidents import services
from shouwang.incidents.models import Release
from shouwang.reports.services import report_acknowledge, report_file, report_verify
from tests.incidents.conftest import NOW, campus  # noqa: F401 (the fixture)

T = SimpleNamespace(
    occurred=NOW - timedelta(minutes=12),
    filed=NOW - timedelta(minutes=10),
    acked=NOW - timedelta(minutes=8),
    activated=NOW,
    arrived=NOW + timedelta(minutes=6),
    decided=NOW + timedelta(minutes=20),
    published=NOW + timedelta(minutes=40),
    closed=NOW + timedelta(hours=3),
)


@pytest.fixture(autouse=True)
def _files_in_a_temporary_directory(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def closed_incident(campus):  # noqa: F811
    c = campus
    report = report_file(
        actor=c.zhang,
        category="fight",
        severity="major",
        unit=c.class_a.code,
        occurred_at=T.occurred,
        place="1号楼101室",
        description="宿舍内两名学生斗殴，一人轻伤",
        people_count=2,
        now=T.filed,
    )
    report_acknowledge(actor=c.li, report=report, channel="web", now=T.acked)
    report_verify(actor=c.chen, report=report, verdict="true", note="核实", now=T.acked)
    report.refresh_from_db()
    incident = services.incident_activate(
        actor=c.chen,
        plan=c.plan,
        level="II",
        unit=c.class_a,
        report=report,
        title="计科2024-1班宿舍斗殴",
        now=T.activated,
    )
    services.arrival_record(actor=c.zhang, incident=incident, now=T.arrived)
    services.situation_add(
        actor=c.zhang,
        incident=incident,
        text="双方已分开，伤者送校医院",
        people_involved=2,
        injured=1,
        dead=None,
        trend="平稳",
        place="1号楼101室",
        now=T.arrived,
    )
    services.decision_record(
        actor=c.boss,
        incident=incident,
        decision_id="police",
        option="报警",
        reason="有人受伤，依规报警",
        authority="",
        now=T.decided,
    )
    release = services.release_draft(
        actor=c.zhang,
        incident=incident,
        title="关于宿舍纠纷的情况说明",
        body="我校已妥善处置。",
        now=T.decided,
    )
    services.release_publish(
        actor=c.xuan,
        release=Release.objects.get(pk=release.pk),
        channel="学校官网",
        now=T.published,
    )
    services.outbound_report_record(
        actor=c.chen,
        incident=incident,
        recipient="市教育局",
        content="已电话报告",
        sent_at=T.published,
        task=None,
        now=T.published,
    )
    for task in incident.tasks.all():
        services.task_complete(actor=c.chen, task=task, note="已完成", now=T.decided)
    services.incident_close(
        actor=c.chen, incident=incident, summary="处置完毕，秩序恢复", now=T.closed
    )
    incident.refresh_from_db()
    return incident


def client_for(user):
    c = Client()
    c.force_login(user)
    return c

"""An incident activated from a report reaches the same people the report did: a report about a
dorm room finds the students' counsellor and college, and the activation form starts at the
level the report's severity calls for."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext, override

from shouwang.incidents import services
from shouwang.incidents.models import Incident
from shouwang.incidents.selectors import suggested_level
from shouwang.org.models import Student
from shouwang.reports.models import Recipient
from shouwang.reports.services import report_acknowledge, report_file, report_verify

from .conftest import NOW

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def verified(c, *, unit, students=(), severity="larger", reporter=None):
    report = report_file(
        actor=reporter or c.chen,
        category="fight",
        severity=severity,
        unit=unit.code,
        students=students,
        occurred_at=NOW - timedelta(minutes=5),
        place="1号楼101室",
        description="宿舍内斗殴",
        now=NOW,
    )
    report_verify(actor=c.chen, report=report, verdict="true", note="核实", now=NOW)
    report.refresh_from_db()
    return report


def test_a_dorm_room_incident_finds_the_students_counsellor_and_college(campus):
    report = verified(
        campus, unit=campus.r101, students=[campus.zhangsan.student_no], reporter=campus.liu
    )
    if Recipient.objects.filter(report=report, person=campus.zhang, purpose="ack").exists():
        report_acknowledge(
            actor=campus.zhang, report=report, channel="web", now=NOW + timedelta(minutes=1)
        )
    incident = services.incident_activate(
        actor=campus.chen,
        plan=campus.plan,
        level="II",
        unit=campus.r101,
        report=report,
        now=NOW + timedelta(minutes=2),
    )
    tasks = {t.step_id: t for t in incident.tasks.all()}
    assert (tasks["contain"].assignee, tasks["contain"].stands_in_for) == (
        campus.zhang,
        "",
    )  # 张三's counsellor
    assert (tasks["investigate"].assignee, tasks["investigate"].stands_in_for) == (
        campus.li,
        "",
    )  # 计算机学院
    # The counsellor is in the incident: the board opens for them.
    assert client_for(campus.zhang).get(f"/incidents/{incident.pk}/").status_code == 200


def test_raising_the_level_of_a_dorm_room_incident_still_finds_the_college(campus):
    report = verified(campus, unit=campus.r101, students=[campus.zhangsan.student_no])
    incident = services.incident_activate(
        actor=campus.chen, plan=campus.plan, level="III", unit=campus.r101, report=report, now=NOW
    )
    added = services.incident_level_change(
        actor=campus.chen,
        incident=incident,
        level="II",
        reason="伤情加重",
        now=NOW + timedelta(minutes=10),
    )
    investigate = next(t for t in added if t.step_id == "investigate")
    assert (investigate.assignee, investigate.stands_in_for) == (campus.li, "")


def test_resolving_the_units_around_a_report_costs_the_same_for_one_student_or_thirty(campus):
    more = [
        Student.objects.create(
            student_no=f"20249902{i:02d}",
            name=f"学生{i}",
            gender="M",
            klass=campus.class_b,
            dorm_room=campus.r102,
        )
        for i in range(30)
    ]

    def activation_queries(students):
        report = verified(campus, unit=campus.r101, students=students)
        with CaptureQueriesContext(connection) as queries:
            services.incident_activate(
                actor=campus.chen,
                plan=campus.plan,
                level="II",
                unit=campus.r101,
                report=report,
                now=NOW,
            )
        return len(queries)

    one = activation_queries([campus.zhangsan.student_no])
    thirty = activation_queries([campus.zhangsan.student_no] + [s.student_no for s in more])
    assert thirty <= one + 2  # more counsellors to notify, not a query per student


@pytest.mark.parametrize(
    ("severity", "level"), [("larger", "III"), ("major", "II"), ("critical", "I")]
)
def test_the_activation_form_starts_at_the_level_of_the_reports_severity(campus, severity, level):
    report = verified(campus, unit=campus.class_a, severity=severity)
    form = (
        client_for(campus.chen)
        .get(f"/incidents/new/?report={report.pk}&plan=test_drill")
        .content.decode()
    )
    levels = re.search(r'<select id="level".*?</select>', form, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)" selected>', levels) == [level]


def test_the_level_follows_the_reports_severity_where_the_plan_has_it():
    class Report:
        severity = "general"

    four = {"levels": [{"code": c} for c in ("I", "II", "III", "IV")]}
    two = {"levels": [{"code": c} for c in ("I", "II")]}
    assert suggested_level(four, Report()) == "IV"
    assert suggested_level(two, Report()) == ""  # no 一般 level: the activator chooses
    assert suggested_level(four, None) == ""


def test_without_a_report_the_level_must_be_chosen(campus):
    chen = client_for(campus.chen)
    form = chen.get("/incidents/new/?plan=test_drill").content.decode()
    levels = re.search(r'<select id="level".*?</select>', form, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)" selected>', levels) == [""]
    response = chen.post(
        "/incidents/new/",
        {"plan": "test_drill", "level": "", "unit": "C01-2024-1", "title": "食堂斗殴"},
    )
    with override("zh-hans"):
        assert (
            response.status_code == 400
            and gettext("Choose the response level.") in response.content.decode()
        )
    assert 'value="食堂斗殴"' in response.content.decode() and not Incident.objects.exists()

"""Item 1: need to know for student cadres. A dorm head, an information officer, a safety officer
and a covert observer are students: they see the reports they filed and those they were asked
about, never an incident's board, command group, tasks or decisions, never another student's
contacts; sensitive categories (mental health …) are read from the counsellor up. Each page and
API operation: 404 for the cadre, 200 for the counsellor."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shouwang.incidents import services as incidents
from shouwang.org.models import Post, Role
from shouwang.reports.models import Recipient
from shouwang.reports.services import report_file, report_update_add
from tests.reports.conftest import PNG, login


def _post(person, unit, role):
    Post.objects.create(
        person=person, unit=unit, role=Role.objects.get(code=role), since=datetime.date(2024, 9, 1)
    )


@pytest.fixture
def cadres(campus):
    """刘同学 is the dorm head of 张三's room; 辛同学 the class's information officer, 安同学 its
    safety officer, 尹同学 its covert observer."""
    make = type(campus.liu).objects.create_user
    info, safety, covert = (
        make(username=u, full_name=n, staff_no=no)
        for u, n, no in (
            ("xin", "辛同学", "2024010104"),
            ("an", "安同学", "2024010105"),
            ("yin", "尹同学", "2024010106"),
        )
    )
    _post(info, campus.class_a, "info_officer")
    _post(safety, campus.class_a, "safety_officer")
    _post(covert, campus.class_a, "covert_observer")
    return [campus.liu, info, safety, covert]


def _about_zhangsan(campus, *, category="discipline", actor=None, severity="general"):
    now = datetime.datetime.now(datetime.UTC)
    report = report_file(
        actor=actor or campus.zhang,
        category=category,
        severity=severity,
        unit="C01-2024-1",
        occurred_at=now - datetime.timedelta(minutes=5),
        place="1号楼101室",
        description="同学来报",
        students=["2024010101"],
        now=now,
    )
    # Not asked: whatever the route says, none of the cadres is among those asked.
    Recipient.objects.filter(
        report=report, person__username__in=["liu", "xin", "an", "yin"]
    ).delete()
    update = report_update_add(
        actor=campus.zhang,
        report=report,
        text="附照片",
        attachments=[SimpleUploadedFile("现场.png", PNG, content_type="image/png")],
    )
    return report, update.attachments.get()


def _report_urls(report, attachment):
    return [
        f"/reports/{report.pk}/",
        f"/reports/{report.pk}/timeline/",
        f"/reports/{report.pk}/attachments/{attachment.pk}/",
        f"/api/v1/reports/{report.pk}",
        f"/api/v1/reports/{report.pk}/timeline",
        f"/api/v1/reports/{report.pk}/attachments/{attachment.pk}",
    ]


def test_a_cadre_does_not_read_a_report_about_a_fellow_student_filed_by_someone_else(
    campus, cadres
):
    report, attachment = _about_zhangsan(campus)
    for cadre in cadres:
        client = login(cadre)
        for url in _report_urls(report, attachment):
            assert client.get(url).status_code == 404, (cadre.username, url)
        assert f"/reports/{report.pk}/" not in client.get("/reports/").content.decode()
        assert client.get("/api/v1/reports").json() == []
    counsellor = login(campus.zhang)
    for url in _report_urls(report, attachment):
        assert counsellor.get(url).status_code == 200, url


def test_a_cadre_reads_the_reports_she_filed_and_those_she_was_asked_about(campus, cadres):
    liu = login(campus.liu)
    now = datetime.datetime.now(datetime.UTC)
    mine = report_file(
        actor=campus.liu,
        category="night_absence",
        severity="general",
        unit="D01-101",
        occurred_at=now - datetime.timedelta(minutes=5),
        place="101室",
        description="未归",
        students=["2024010101"],
        now=now,
    )
    assert liu.get(f"/reports/{mine.pk}/").status_code == 200
    asked, _attachment = _about_zhangsan(campus)
    Recipient.objects.create(report=asked, person=campus.liu, step=0, purpose="ack", added_at=now)
    assert liu.get(f"/reports/{asked.pk}/").status_code == 200
    assert {r["id"] for r in liu.get("/api/v1/reports").json()} == {mine.pk, asked.pk}


def test_a_mental_health_report_is_read_from_the_counsellor_up(campus, cadres):
    psych = type(campus.liu).objects.create_user(
        username="psy", full_name="心理中心", staff_no="T0200"
    )
    _post(psych, campus.sch, "psych_staff")
    report, attachment = _about_zhangsan(
        campus, category="mental_health", actor=psych, severity="critical"
    )
    now = datetime.datetime.now(datetime.UTC)
    # Even when a policy asks the dorm head, a sensitive report stays closed to her.
    Recipient.objects.create(report=report, person=campus.liu, step=0, purpose="ack", added_at=now)
    for cadre in cadres:
        for url in _report_urls(report, attachment):
            assert login(cadre).get(url).status_code == 404, (cadre.username, url)
    # The class teacher (below the counsellor), when not asked, does not read it either.
    Recipient.objects.filter(report=report, person=campus.sun).delete()
    assert login(campus.sun).get(f"/reports/{report.pk}/").status_code == 404
    for person in (campus.zhang, campus.li, campus.chen, psych):
        assert login(person).get(f"/reports/{report.pk}/").status_code == 200, person.username


def _incident_urls(incident):
    pk = incident.pk
    return [
        f"/incidents/{pk}/",
        f"/incidents/{pk}/live/",
        f"/incidents/{pk}/timeline/",
        f"/api/v1/incidents/{pk}",
        f"/api/v1/incidents/{pk}/tasks",
        f"/api/v1/incidents/{pk}/decisions",
        f"/api/v1/incidents/{pk}/releases",
    ]


def test_a_cadre_never_sees_an_incident_of_her_class(campus, cadres):
    incident = incidents.incident_activate(
        actor=campus.chen, plan=campus.plan, level="II", unit=campus.class_a
    )
    for cadre in cadres:
        client = login(cadre)
        for url in _incident_urls(incident):
            assert client.get(url).status_code == 404, (cadre.username, url)
        assert client.get("/api/v1/incidents").json() == []
        assert f"/incidents/{incident.pk}/" not in client.get("/incidents/").content.decode()
    counsellor = login(campus.zhang)
    for url in _incident_urls(incident):
        assert counsellor.get(url).status_code == 200, url


def test_a_cadre_sees_no_fellow_students_contacts(campus, cadres):
    for cadre in cadres:
        client = login(cadre)
        for url in (
            "/students/2024010101/",
            "/api/v1/students/2024010101",
            "/org/D01-101/",
            "/org/C01-2024-1/",
        ):
            response = client.get(url)
            assert response.status_code in (200, 404)
            assert (
                "13800000001" not in response.content.decode()
                and "13900000001" not in response.content.decode()
            )

"""Issue 14 item 3: a dorm room is always named with its building (1号宿舍楼101室) — "101室" is in
every building — in search, student pages, gaps, reports and incidents."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.translation import override

from shouwang.org.models import Post

from ..incidents.conftest import campus  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
ROOM = "1号宿舍楼101室"


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_the_label_of_a_room_names_its_building(school):
    assert school.r101.label == ROOM
    assert school.d01.label == "1号宿舍楼" and school.class_a.label == "计科2024-1班"
    school.d01.name_en, school.r101.name_en = "Building 1", "Room 101"
    with override("en"):
        assert school.r101.label == "Building 1 Room 101"


def test_search_student_page_gaps_report_and_incident_name_the_building(campus):  # noqa: F811
    zhang = client_for(campus.zhang)
    assert ROOM in zhang.get("/students/?q=张三").content.decode()
    assert ROOM in zhang.get("/students/2024010101/").content.decode()
    Post.objects.filter(unit=campus.r101).delete()  # the room has no dorm head now: a gap
    assert ROOM in client_for(campus.chen).get("/org/gaps/").content.decode()
    from shouwang.incidents.services import incident_activate
    from shouwang.reports.services import report_file, report_verify

    now = timezone.now()
    report = report_file(
        actor=campus.admin,
        category="fight",
        severity="larger",
        unit=campus.r101.code,
        occurred_at=now - datetime.timedelta(minutes=5),
        place="宿舍",
        description="斗殴",
        now=now,
    )
    chen = client_for(campus.chen)
    assert ROOM in chen.get(f"/reports/{report.pk}/").content.decode()
    assert ROOM in chen.get("/reports/").content.decode()
    report_verify(actor=campus.chen, report=report, verdict="true", now=now)
    report.refresh_from_db()
    incident = incident_activate(
        actor=campus.chen, plan=campus.plan, level="II", unit=campus.r101, report=report, now=now
    )
    assert ROOM in chen.get(f"/incidents/{incident.pk}/").content.decode()
    assert ROOM in chen.get("/incidents/").content.decode()

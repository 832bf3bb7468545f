"""Issue 14 item 3 on the incident pages: a refused close says so at the top with the tasks in
the way linked; the timeline says what each event was about."""

import re
from datetime import timedelta

import pytest
from django.test import Client

from shouwang.incidents import services
from shouwang.incidents.models import Incident

from .conftest import NOW

pytestmark = pytest.mark.django_db


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def test_a_refused_close_is_at_the_top_with_the_open_mandatory_tasks_linked(campus):
    incident = services.incident_activate(
        actor=campus.chen, plan=campus.plan, level="II", unit=campus.class_a, now=NOW
    )
    response = client_for(campus.chen).post(
        f"/incidents/{incident.pk}/close/", {"summary": "已处理完毕"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    banner = page.index('id="close-refused"')
    assert banner < page.index('id="tasks"'), (
        "the refusal comes before the board, not only next to the form"
    )
    refusal = page[banner : page.index("</ul>", page.index("</ul>", banner) + 1)]
    open_mandatory = incident.tasks.filter(state="open", mandatory=True)
    assert open_mandatory.exists()
    for task in open_mandatory:
        assert f'<a href="#task-{task.pk}">{task.title}</a>' in refusal
        assert f'id="task-{task.pk}"' in page
    for task in incident.tasks.filter(mandatory=False):
        assert f"#task-{task.pk}" not in refusal
    incident.refresh_from_db()
    assert incident.status == Incident.Status.OPEN


def test_the_incident_timeline_shows_each_events_details(campus):
    incident = services.incident_activate(
        actor=campus.chen,
        plan=campus.plan,
        level="II",
        unit=campus.class_a,
        title="食堂斗殴",
        now=NOW,
    )
    services.outbound_report_record(
        actor=campus.chen,
        incident=incident,
        recipient="市教育局",
        content="初报：两人轻伤",
        sent_at=NOW + timedelta(minutes=20),
        now=NOW + timedelta(minutes=21),
    )
    services.incident_level_change(
        actor=campus.chen,
        incident=incident,
        level="I",
        reason="伤情加重",
        now=NOW + timedelta(minutes=30),
    )
    page = client_for(campus.chen).get(f"/incidents/{incident.pk}/timeline/").content.decode()
    lines = {
        verb: " ".join(re.sub(r"<[^>]+>", " ", body).split())
        for verb, body in re.findall(r'<li data-verb="([^"]+)">(.*?)</li>', page, re.S)
    }
    upward = lines["external_report.recorded"]
    assert "市教育局" in upward and "初报：两人轻伤" in upward
    assert (NOW + timedelta(minutes=20)).astimezone(campus_tz()).strftime(
        "%Y-%m-%d %H:%M"
    ) in upward
    assert "伤情加重" in lines["incident.level_changed"] and "II" in lines["incident.level_changed"]
    assert "食堂斗殴" in lines["incident.activated"]
    assert re.search(r"\d+ 项任务", lines["incident.tasks_created"])


def campus_tz():
    from django.utils import timezone

    return timezone.get_current_timezone()

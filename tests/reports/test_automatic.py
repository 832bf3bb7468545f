"""Reports raised by rules (night scan, truancy, overdue return): filed in one batch, deduplicated
by key, routed by the worker like an integration's, and resolved on the record — never deleted —
when the rule sees the student back before anyone acted."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.escalation.models import Deadline
from shouwang.escalation.sweep import deadline_sweep
from shouwang.notify.models import Delivery
from shouwang.reports.models import Recipient, Report
from shouwang.reports.services import (
    report_acknowledge,
    report_resolve_automatic,
    reports_file_automatic,
)

CUT_OFF = timezone.make_aware(datetime.datetime(2026, 12, 1, 22, 30))


def _item(school, student, key=None):
    return {
        "key": key or f"night_absence:2026-12-01:{student.pk}",
        "category": "night_absence",
        "severity": "general",
        "unit": student.klass,
        "students": [student],
        "occurred_at": CUT_OFF,
        "place": "男生1号楼",
        "description": f"{student.name} 22:30 查寝未归，无请假记录",
    }


def test_a_batch_is_filed_once_and_routed_by_the_worker(school):
    items = [_item(school, school.zhangsan), _item(school, school.lisi)]
    filed = reports_file_automatic(source="monitoring.night_absence", items=items, now=CUT_OFF)
    assert [r.students.get() for r in filed] == [school.zhangsan, school.lisi]
    assert all(r.reporter is None and r.api_token is None and not r.route for r in filed)
    events = Event.objects.filter(verb="report.filed", subject_id__in=[str(r.pk) for r in filed])
    assert {e.data["via"] for e in events} == {"rule:monitoring.night_absence"}
    # A second scan of the same night files nothing twice.
    again = reports_file_automatic(source="monitoring.night_absence", items=items, now=CUT_OFF)
    assert again == [] and Report.objects.count() == 2

    deadline_sweep(now=CUT_OFF + datetime.timedelta(seconds=1))
    zhangsan = Report.objects.get(pk=filed[0].pk)
    assert zhangsan.route and zhangsan.policy_name.startswith("夜不归宿")
    # The first level of the night-absence policy is the room's dorm head.
    assert Recipient.objects.filter(report=zhangsan, person=school.liu).exists()


@pytest.mark.parametrize(
    "change,message",
    [
        ({"category": "nope"}, "unknown category"),
        ({"severity": "huge"}, "unknown severity"),
        ({"key": ""}, "key"),
        ({"description": " "}, "description"),
        ({"occurred_at": CUT_OFF + datetime.timedelta(days=1)}, "future"),
    ],
)
def test_a_bad_item_files_nothing_and_names_the_item(school, change, message):
    items = [_item(school, school.zhangsan), {**_item(school, school.lisi), **change}]
    with pytest.raises(ValueError, match=f"item 1: .*{message}"):
        reports_file_automatic(source="monitoring.night_absence", items=items, now=CUT_OFF)
    assert not Report.objects.exists()


def test_a_late_check_in_resolves_the_report_on_the_record_and_stops_its_route(school):
    (report,) = reports_file_automatic(
        source="monitoring.night_absence", items=[_item(school, school.zhangsan)], now=CUT_OFF
    )
    deadline_sweep(now=CUT_OFF + datetime.timedelta(seconds=1))
    back = CUT_OFF + datetime.timedelta(minutes=42)
    with pytest.raises(PermissionDenied):
        report_resolve_automatic(report=report, note="x", source="studies.truancy", now=back)
    assert report_resolve_automatic(
        report=report, note="已返校 23:12，门禁", source="monitoring.night_absence", now=back
    )
    report.refresh_from_db()
    assert report.resolved_at == back and report.resolution == "已返校 23:12，门禁"
    assert report.updates.get().text == "已返校 23:12，门禁"
    assert not Deadline.objects.filter(subject_id=str(report.pk), state="open").exists()
    assert not Delivery.objects.filter(message__subject_id=str(report.pk), state="pending").exists()
    assert Event.objects.filter(verb="report.resolved", subject_id=str(report.pk)).exists()
    # Said once: a second check-in changes nothing.
    assert not report_resolve_automatic(
        report=report, note="已返校 23:20，门禁", source="monitoring.night_absence", now=back
    )
    assert report.updates.count() == 1


def test_after_someone_acted_the_late_check_in_only_informs(school):
    (report,) = reports_file_automatic(
        source="monitoring.night_absence", items=[_item(school, school.zhangsan)], now=CUT_OFF
    )
    deadline_sweep(now=CUT_OFF + datetime.timedelta(seconds=1))
    report_acknowledge(actor=school.liu, report=report, channel="web", now=CUT_OFF)
    assert not report_resolve_automatic(
        report=report,
        note="已返校 23:12，门禁",
        source="monitoring.night_absence",
        now=CUT_OFF + datetime.timedelta(minutes=42),
    )
    report.refresh_from_db()
    assert report.resolved_at is None and report.updates.count() == 1


def test_the_report_page_says_who_raised_it_and_how_it_was_resolved(school, client):
    (report,) = reports_file_automatic(
        source="monitoring.night_absence", items=[_item(school, school.zhangsan)], now=CUT_OFF
    )
    deadline_sweep(now=CUT_OFF + datetime.timedelta(seconds=1))
    report_resolve_automatic(
        report=report,
        note="已返校 23:12，门禁",
        source="monitoring.night_absence",
        now=CUT_OFF + datetime.timedelta(minutes=42),
    )
    client.force_login(school.zhang)
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "已返校 23:12，门禁" in page and 'id="resolution"' in page

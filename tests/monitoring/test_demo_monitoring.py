"""The demo school shows last night's monitoring on the first start: 夜不归宿 reports filed by
the engine at the cut-off, two resolved by a late gate passage, and one building held because
its gate export came late — one report on the building, resolved at the 23:30 rescan, which
reported that building's absent students one by one."""

import datetime

from shouwang.demo.school import build_demo
from shouwang.monitoring.models import AutoReport
from shouwang.reports.models import Report


def test_the_demo_has_last_nights_reports_and_a_held_building(db):
    build_demo(students=1200, seed=7)
    night = Report.objects.filter(category__code="night_absence")
    building = night.get(unit__kind="dorm_building")
    assert building.students.count() == 0 and "门禁" in building.description
    assert building.resolved_at is not None
    assert "逐一上报" in building.updates.last().text
    students = night.exclude(pk=building.pk)
    assert students.count() == AutoReport.objects.count() >= 5
    # The held building's absent students were reported at the rescan, an hour after the others.
    held = students.filter(students__dorm_room__parent=building.unit)
    assert held.exists()
    assert {r.filed_at for r in held} == {building.filed_at + datetime.timedelta(hours=1)}
    assert AutoReport.objects.filter(resolved_at__isnull=False).count() == 2  # back late

"""The exact timeline events monitoring's services write (one write, one event; a batch is
one event, never one per trace)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shouwang.escalation.sweep import deadline_sweep
from shouwang.monitoring.services import round_mark, traces_ingest
from tests._events import capture_events

from .conftest import CUTOFF, M

pytestmark = pytest.mark.django_db


def test_a_round_tap_is_one_event(campus):
    with capture_events() as events:
        round_mark(actor=campus.liu, student=campus.zhangsan, status="present", now=CUTOFF - M)
    assert events.verbs == ["monitoring.round_marked"]
    assert events[0].data == {"student": "2024010101", "night": "2026-11-24", "status": "present"}


def test_a_refused_tap_writes_nothing(campus):
    with capture_events() as events, pytest.raises(PermissionDenied):
        round_mark(actor=campus.liu, student=campus.lisi, status="present", now=CUTOFF)
    with pytest.raises(ValidationError):
        round_mark(actor=campus.liu, student=campus.zhangsan, status="maybe", now=CUTOFF)
    assert events.verbs == []


def test_the_scan_is_one_event_on_the_rule_and_the_reports_their_own(campus, night_rule):
    with capture_events() as events:
        deadline_sweep(now=CUTOFF)
    assert events.of("monitoring.night_scanned")[0].data["filed"] == 4
    assert events.verbs.count("report.filed") == 4
    # (token.created: until reports files automatic reports itself, monitoring files them with
    # its own integration token, made on first use.)
    assert set(events.verbs) - {"token.created"} == {"monitoring.night_scanned", "report.filed"}


def test_a_batch_of_a_hundred_traces_is_one_event(campus):
    events_in = [
        {"student_no": "2024010101", "at": CUTOFF - i * M, "place": "东门", "direction": "out"}
        for i in range(100)
    ]
    with capture_events() as events:
        traces_ingest(actor=campus.admin, events=events_in, source="门禁", now=CUTOFF)
    assert events.verbs == ["monitoring.traces_received"]
    assert events[0].data["count"] == 100

"""What the engine and monitoring do with leave, on a controllable clock: excuses for the
night scan, 销假 by a check-in, reminders to late approvers, and the report when a student is
not back."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from shouwang.escalation.models import Deadline
from shouwang.escalation.sweep import deadline_sweep
from shouwang.leave import services
from shouwang.leave.models import Leave
from shouwang.leave.services import leave_decide, leave_return
from shouwang.monitoring import hooks
from shouwang.monitoring.services import round_mark
from shouwang.notify.models import Delivery
from shouwang.reports.models import Report
from tests._events import capture_events

from .conftest import T0, D, H, apply

M = H / 60


def approved(w, student=None, **kw):
    student = student or w.zhangsan
    leave = apply(student, **kw)
    counsellor = w.zhang if student.klass_id == w.class_a.pk else w.zhao
    while leave.state == "pending":
        approver = {"counsellor": counsellor, "deputy_secretary": w.li, "leader": w.wang}.get(
            leave.step_role, w.chen
        )
        leave = leave_decide(actor=approver, leave=leave, verdict="approved", now=T0 + M)
    return leave


def test_approved_leave_and_lodging_excuse_in_one_query(w):
    leave = approved(w)  # zhangsan: T0+2h … T0+26h
    approved(
        w,
        student=w.lisi,
        kind="off_campus",
        days=30,
        address="学府路8号",
        guardian_consent=True,
    )
    apply(w.wangwu)  # pending: excuses nobody
    ids = {w.zhangsan.pk, w.lisi.pk, w.wangwu.pk, *range(100000, 150000)}
    night = (T0 + 12 * H, T0 + 20 * H)
    with CaptureQueriesContext(connection) as queries:
        found = hooks.excused(ids, *night)
    assert found == {w.zhangsan.pk: hooks.ON_LEAVE, w.lisi.pk: hooks.OFF_CAMPUS}
    assert len(queries) == 1
    # Before the leave starts or after it ended, zhangsan is not excused.
    assert w.zhangsan.pk not in hooks.excused(ids, T0 - 5 * H, T0 + H)
    assert w.zhangsan.pk not in hooks.excused(ids, leave.end_at, leave.end_at + H)


def test_a_returned_or_refused_leave_excuses_nobody(w):
    leave = approved(w)
    leave_return(actor=w.zhang, leave=leave, now=T0 + 3 * H)
    assert hooks.excused({w.zhangsan.pk}, T0 + 12 * H, T0 + 20 * H) == {}


def test_a_checkin_after_the_leave_began_closes_it(w):
    leave = approved(w)
    with transaction.atomic(), capture_events() as events:
        hooks.checked_in(checkins=[(w.zhangsan.pk, T0 + H, "gate")], now=T0 + H)
    leave.refresh_from_db()
    assert leave.state == "approved"  # seen before leaving: still on leave
    assert events == []
    back = T0 + 20 * H
    with transaction.atomic(), capture_events() as events:
        hooks.checked_in(
            checkins=[(w.zhangsan.pk, back, "gate"), (w.lisi.pk, back, "gate")], now=back
        )
    leave.refresh_from_db()
    assert (leave.state, leave.returned_at, leave.returned_how) == ("returned", back, "gate")
    assert [e.verb for e in events] == ["leave.returned"]
    assert not Deadline.objects.filter(subject_id=str(leave.pk), state="open").exists()


def test_not_back_after_the_grace_files_a_report(w):
    leave = approved(w)
    due = leave.end_at + 2 * H
    assert deadline_sweep(now=due - M) == 0
    deadline_sweep(now=due)
    leave.refresh_from_db()
    assert leave.overdue_at == due
    report = Report.objects.get(source="leave")
    assert report.pk == leave.overdue_report_id
    assert report.source_key == f"leave_overdue:{leave.pk}"
    assert (report.category.code, report.unit, report.occurred_at) == (
        "missing_student",
        w.class_a,
        leave.end_at,
    )
    assert list(report.students.all()) == [w.zhangsan]
    # Coming back late is still 销假, on the record as late; the report is resolved, not
    # deleted, and nothing more is filed.
    with capture_events() as events:
        leave_return(actor=w.zhang, leave=leave, now=due + H)
    assert events[0].verb == "leave.returned" and events[0].data["late"] is True
    report.refresh_from_db()
    assert report.resolved_at == due + H
    assert "closed by the counsellor" in report.resolution or "辅导员" in report.resolution
    deadline_sweep(now=due + D)
    assert Report.objects.filter(source="leave").count() == 1


def test_back_in_time_no_report(w):
    leave = approved(w)
    with transaction.atomic():
        hooks.checked_in(checkins=[(w.zhangsan.pk, leave.end_at, "dorm")], now=leave.end_at)
    deadline_sweep(now=leave.end_at + D)
    assert not Report.objects.filter(source="leave").exists()


def test_a_late_approver_is_reminded_then_escalated(w):
    leave = apply(w.zhangsan)
    with capture_events() as events:
        deadline_sweep(now=T0 + 24 * H)
    assert [e.verb for e in events] == ["leave.step_reminded"]
    assert Delivery.objects.filter(recipient=w.zhang, message__kind="leave.reminder").exists()
    with capture_events() as events:
        deadline_sweep(now=T0 + 48 * H)
    assert [e.verb for e in events] == ["leave.step_escalated"]
    assert events[0].data["to_role"] == "deputy_secretary"
    assert Delivery.objects.filter(recipient=w.li, message__kind="leave.escalated").exists()
    # Deciding late still works, and no step fires again.
    leave_decide(actor=w.zhang, leave=leave, verdict="approved", now=T0 + 49 * H)
    with capture_events() as events:
        deadline_sweep(now=T0 + 72 * H)
    assert not [e.verb for e in events if e.verb.startswith("leave.step")]


def test_a_decided_step_never_reminds(w):
    leave = apply(w.zhangsan, days=2)
    leave_decide(actor=w.zhang, leave=leave, verdict="approved", now=T0 + H)
    with capture_events() as events:
        deadline_sweep(now=T0 + 24 * H)  # counsellor's step was due now; li's is at T0+25h
    assert events == []
    with capture_events() as events:
        deadline_sweep(now=T0 + 25 * H)
    assert [(e.verb, e.data["role"]) for e in events] == [
        ("leave.step_reminded", "deputy_secretary")
    ]


@pytest.mark.parametrize("kind", ["leave", "off_campus"])
def test_approvers_and_student_get_messages(w, kind):
    extra = {"kind": kind, "address": "学府路8号", "guardian_consent": True}
    approved(w, **extra)
    assert Delivery.objects.filter(recipient=w.zhang, message__kind="leave.pending").exists()
    assert Delivery.objects.filter(
        recipient=w.zhangsan.user, message__kind="leave.approved"
    ).exists()


def test_the_auditor_restores_a_lost_deadline(w):
    waiting = apply(w.zhangsan)
    away = approved(w, student=w.lisi)
    assert services.leaves_without_deadline() == []
    Deadline.objects.filter(subject_type="leave.leave").delete()  # lost, somehow
    assert services.leaves_without_deadline() == sorted([waiting.pk, away.pk])
    with capture_events() as events:
        assert services.leaves_repair(now=T0 + H) == 2
    assert [e.verb for e in events] == ["leave.deadline_restored"] * 2
    assert services.leaves_without_deadline() == []
    # The restored step deadline is due now: the counsellor is reminded at once.
    with capture_events() as events:
        deadline_sweep(now=T0 + H)
    assert [e.verb for e in events] == ["leave.step_reminded"]


def test_an_escalated_step_is_not_lost(w):
    apply(w.zhangsan)
    deadline_sweep(now=T0 + 24 * H)
    deadline_sweep(now=T0 + 48 * H)  # reminded, then escalated: nothing more is due
    assert services.leaves_without_deadline() == []


def test_a_checkin_resolves_the_overdue_report(w):
    leave = approved(w)
    due = leave.end_at + 2 * H
    deadline_sweep(now=due)
    with transaction.atomic():
        hooks.checked_in(checkins=[(w.zhangsan.pk, due + H, "gate")], now=due + H)
    report = Report.objects.get(pk=Leave.objects.get(pk=leave.pk).overdue_report_id)
    assert report.resolved_at == due + H and "gate" in report.resolution


def test_the_dorm_heads_round_closes_the_leave(w):
    """Through monitoring's own service: 刘同学 marks 张三 present after the leave began."""
    leave = approved(w)
    round_mark(actor=w.liu, student=w.zhangsan, status="present", now=T0 + 12 * H)
    leave.refresh_from_db()
    assert (leave.state, leave.returned_how) == ("returned", "round")

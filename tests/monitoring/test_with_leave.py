"""Monitoring and leave together, with the real excuse hook (not a fake): a student who applied
for leave in the afternoon and whose counsellor approved it is not reported absent that night;
a classmate without leave is."""

import datetime

from shouwang.escalation.sweep import deadline_sweep
from shouwang.leave.services import leave_apply, leave_decide
from shouwang.org.services import student_accounts_create
from shouwang.reports.models import Report

from .conftest import AFTERNOON, CUTOFF


def test_approved_leave_keeps_a_student_out_of_the_night_scan(campus, night_rule):
    student_accounts_create(actor=campus.admin, password=campus.password, now=AFTERNOON)
    campus.lisi.refresh_from_db()
    leave = leave_apply(
        actor=campus.lisi.user,
        start_at=AFTERNOON + datetime.timedelta(hours=1),
        end_at=AFTERNOON + datetime.timedelta(hours=20),
        reason="回家看病",
        destination="杭州",
        emergency_name="李父",
        emergency_phone="13900000002",
        now=AFTERNOON,
    )
    leave_decide(actor=campus.zhao, leave=leave, verdict="approved", now=AFTERNOON)
    deadline_sweep(now=CUTOFF)
    reported = {
        s.student_no
        for r in Report.objects.filter(category__code="night_absence")
        for s in r.students.all()
    }
    # 李四 (room 102, on leave) is excused; 赵六 and 钱七 of the same room are not.
    assert "2024010201" not in reported
    assert {"2024010104", "2024010105"} <= reported

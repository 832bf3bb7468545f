"""The demo school's studies data: 学生处 sets a truancy rule (3 unexcused absences within 14
days); the academic office's attendance file of the first class for the last twelve days is
imported yesterday evening, and the rule finds two students (two 经常无故旷课 reports; a third
student with two absences and a leave is not one). Two grades files raise 学业预警 of every
colour: a red one ten days ago whose parent contact was never recorded (reminded, then overdue
and escalated to the college's deputy secretary by the engine's sweep), and yesterday a yellow
and two orange ones, the parents of one orange student contacted the same afternoon.

Everything goes through the studies services (the import job run as the worker runs it) with a
clock relative to `today`, all of it in the past."""

import datetime

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.escalation.sweep import deadline_sweep
from shouwang.org.models import Post, Student, Unit
from shouwang.studies import services
from shouwang.studies.models import AcademicWarning, ImportJob


def _at(today, days, hour, minute=0):
    return timezone.make_aware(
        datetime.datetime.combine(
            today + datetime.timedelta(days=days), datetime.time(hour, minute)
        )
    )


def _import(actor, kind, rows, now):
    header = {
        "attendance": "学号,日期,课程,考勤状态",
        "grades": "学号,学期,课程,学分,是否通过,成绩",
    }[kind]
    content = "\n".join([header, *(",".join(map(str, r)) for r in rows)]).encode("utf-8")
    job = services.import_request(
        actor=actor, kind=kind, data=content, filename=f"{kind}-demo.csv", now=now
    )
    services.import_run(job_id=job.pk, now=now)
    job.refresh_from_db()
    if job.state != ImportJob.State.DONE:
        raise RuntimeError(f"the demo's {kind} file did not import: {job.errors[:3]}")


def _attendance(students, today):
    absences = {0: {1, 3, 6, 9}, 1: {2, 5, 8}, 2: {4, 7}}  # days ago
    leave = {2: {1}}
    rows = []
    for days_ago in range(1, 13):
        day = today - datetime.timedelta(days=days_ago)
        for i, s in enumerate(students):
            if days_ago in absences.get(i, ()):
                status = "缺勤"
            elif days_ago in leave.get(i, ()):
                status = "请假"
            else:
                status = "迟到" if (i + days_ago) % 11 == 0 else "出勤"
            rows.append((s.student_no, day.isoformat(), "高等数学 第1-2节", status))
    return rows


def _last_term(today):
    """The last term whose grades are out: the spring term from September, the autumn term
    from February."""
    y = today.year
    if today.month >= 9:
        return f"{y - 1}-{y}-2"
    return f"{y - 1}-{y}-1" if today.month >= 2 else f"{y - 2}-{y - 1}-2"


def studies_demo(*, today: datetime.date) -> None:
    klass = (
        Unit.objects.filter(kind=Unit.Kind.CLASS, code__startswith="C01-").order_by("path").first()
    )
    xsc = User.objects.filter(username="xsc").first()
    if klass is None or xsc is None:
        return
    students = list(Student.objects.filter(klass=klass).order_by("student_no")[:7])
    counsellor = (
        Post.objects.current(today)
        .filter(unit=klass, role__code="counsellor")
        .select_related("person")
        .first()
    )
    if len(students) < 7 or counsellor is None:
        return
    services.truancy_rule_save(
        actor=xsc, name="两周内无故旷课3次", absences=3, days=14, now=_at(today, -20, 9)
    )
    _import(xsc, "attendance", _attendance(students, today), _at(today, -1, 20))

    term = _last_term(today)
    red = students[3]
    _import(
        xsc,
        "grades",
        [
            (red.student_no, term, "高等数学A", 5, "否", 38),
            (red.student_no, term, "大学物理", 4, "否", 45),
            (red.student_no, term, "线性代数", 4, "否", 41),
            (red.student_no, term, "程序设计基础", 6, "否", 50),
            (red.student_no, term, "离散数学", 5, "否", 33),
            (students[6].student_no, term, "高等数学A", 5, "是", 78),
        ],
        _at(today, -10, 10),
    )
    yellow, orange, orange2 = students[4], students[5], students[1]
    _import(
        xsc,
        "grades",
        [
            (yellow.student_no, term, "高等数学A", 5, "否", 52),
            (yellow.student_no, term, "大学物理", 6, "否", 55),
            (orange.student_no, term, "高等数学A", 5, "否", 40),
            (orange.student_no, term, "程序设计基础", 6, "否", 48),
            (orange.student_no, term, "大学英语", 3, "否", 57),
            (orange2.student_no, term, "线性代数", 6, "否", 44),
            (orange2.student_no, term, "离散数学", 6, "否", 39),
        ],
        _at(today, -1, 10),
    )
    warning = AcademicWarning.objects.get(student=orange)
    services.parent_contact_record(
        actor=counsellor.person,
        warning=warning,
        date=today - datetime.timedelta(days=1),
        mode="phone",
        summary="与家长电话沟通学业情况，约定每周反馈学习进度，下学期重修两门课程。",
        now=_at(today, -1, 16),
    )
    # The engine's sweep at yesterday evening: the red warning's reminder and its overdue step
    # (the deputy secretary told); the truancy reports are routed.
    deadline_sweep(now=_at(today, -1, 20, 5))

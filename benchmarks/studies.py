"""Attendance and grades through the real import job, and the truancy scan (CI smoke: --quick).

Database: a temporary SQLite file unless SHOUWANG_DATABASE_URL is set. A demo school (2,000
students; --quick 500) gets an attendance file of 20 school days × 2 courses per student
(80,000 rows; --quick 10 days, 4,000 rows), about 6 % absences, and a grades file of 10
courses per student (20,000 rows; --quick 2,000), a tenth of the students failing enough to be
warned. Prints:

  studies.attendance_import_seconds   import_run on the file: read, check every row, write all
  studies.attendance_ratio_to_bulk_create   the same over a baseline measured in this run:
                                      bulk_create of the same rows straight into the table
  studies.reimport_seconds            the same file again (nothing changes)
  studies.truancy_scan_seconds        the rule's first scan (files the reports) and a rerun
  studies.grades_import_seconds       import_run on the grades file, 学业预警 raised included
Targets: attendance import ≤ 20 s for 80,000 rows and ≤ 5× the bulk insert; scan ≤ 2 s;
grades ≤ 10 s.
"""

import argparse
import datetime
import random
import time

from _setup import django_ready, line


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="200 students (CI smoke)")
    args = parser.parse_args()
    n_students, days = (200, 10) if args.quick else (2_000, 20)
    django_ready()
    from django.db import transaction
    from django.utils import timezone

    from shouwang.accounts.models import User
    from shouwang.demo.school import build_demo
    from shouwang.org.models import Student
    from shouwang.studies import rules, services
    from shouwang.studies.models import AcademicWarning, Attendance, Grade, ImportJob, TruancyCase

    build_demo(students=n_students, seed=1)
    # The demo's own studies data is not what is measured: start from empty tables.
    for model in (TruancyCase, AcademicWarning, Attendance, Grade):
        model.objects.all().delete()
    xsc = User.objects.get(username="xsc")
    rng = random.Random(1)
    students = list(Student.objects.values_list("pk", "student_no"))
    now = timezone.now().replace(microsecond=0)
    today = timezone.localdate()
    school_days = [today - datetime.timedelta(days=d) for d in range(1, days + 1)]
    rows = []
    for _pk, no in students:
        truant = rng.random() < 0.05
        for day in school_days:
            for course in ("高等数学", "大学英语"):
                absent = rng.random() < (0.4 if truant else 0.03)
                rows.append((no, day.isoformat(), course, "缺勤" if absent else "出勤"))
    content = ("学号,日期,课程,考勤状态\n" + "\n".join(",".join(r) for r in rows)).encode()

    def run(kind, data, name):
        job = services.import_request(actor=xsc, kind=kind, data=data, filename=name, now=now)
        started = time.perf_counter()
        services.import_run(job_id=job.pk, now=now)
        elapsed = time.perf_counter() - started
        job.refresh_from_db()
        assert job.state == ImportJob.State.DONE, job.errors[:3]
        return elapsed, job

    seconds, job = run("attendance", content, "attendance.csv")
    assert job.created == len(rows)
    line(
        "studies.attendance_import_seconds",
        seconds,
        "s",
        f"≤ 20 s for 80,000 rows; {len(rows)} rows here",
    )
    again, job = run("attendance", content, "attendance.csv")
    assert job.unchanged == len(rows)
    line("studies.reimport_seconds", again, "s")

    # Baseline: the same rows inserted straight into the table (what any import pays).
    pks = dict((no, pk) for pk, no in students)
    objs = [
        Attendance(
            student_id=pks[no],
            date=datetime.date.fromisoformat(d),
            course=c + "·基线",
            status="absent" if s == "缺勤" else "present",
        )
        for no, d, c, s in rows
    ]
    started = time.perf_counter()
    with transaction.atomic():
        Attendance.objects.bulk_create(objs, batch_size=1000)
    bulk = time.perf_counter() - started
    Attendance.objects.filter(course__endswith="·基线").delete()
    line(
        "studies.attendance_ratio_to_bulk_create",
        seconds / bulk,
        "×",
        "≤ 5× at 80,000 rows; the job's fixed costs dominate a small file",
    )

    # The scan: the file is already in; the rule's first scan files the reports.
    rule = services.truancy_rule_save(actor=xsc, name="两周三次", absences=3, days=14, now=now)
    started = time.perf_counter()
    with transaction.atomic():
        found = len(rules.truancy_scan(rule=rule, now=now))
    first = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():
        assert rules.truancy_scan(rule=rule, now=now) == []
    rerun = time.perf_counter() - started
    line("studies.truancy_scan_seconds", first, "s", f"≤ 2 s; {found} students reported")
    line("studies.truancy_rescan_seconds", rerun, "s", "≤ 2 s; nothing filed twice")

    grade_rows = []
    for _pk, no in students:
        weak = rng.random() < 0.1
        for c in range(10):
            failed = rng.random() < (0.6 if weak else 0.03)
            score = rng.randint(20, 59) if failed else rng.randint(60, 98)
            grade_rows.append((no, "2025-2026-1", f"课程{c:02d}", "4", "", str(score)))
    grades = "学号,学期,课程,学分,是否通过,成绩\n" + "\n".join(",".join(r) for r in grade_rows)
    seconds, job = run("grades", grades.encode(), "grades.csv")
    line(
        "studies.grades_import_seconds",
        seconds,
        "s",
        f"≤ 10 s; {len(grade_rows)} rows, {AcademicWarning.objects.count()} warnings raised",
    )


if __name__ == "__main__":
    main()

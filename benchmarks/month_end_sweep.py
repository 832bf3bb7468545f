"""The month-end obligation sweep for 50,000 students (CI smoke: --quick, 5,000).

Database: a temporary SQLite file unless SHOUWANG_DATABASE_URL is set (empty database). A
school of 10 colleges, 1,000 classes of 50 students, 200 counsellors (5 classes each) and a
deputy secretary per college is written in bulk. Timed: opening the month (an obligation and a
Deadline per student, the worker's sweep at the month's start); the month-end sweep with every
talk missed (the worst case: each deadline claimed, each obligation marked overdue, ONE message
per counsellor listing their students, an escalation deadline per student, the events); and the
escalation sweep three days later (one message per college). Baseline in the same run: a raw
UPDATE of the same obligation and deadline rows (the floor any sweep pays for touching them).
Target: month-end sweep ≤ 10 s at 50,000 students.
"""

import argparse
import datetime
import time

from _setup import django_ready, line


def build(n_students):
    from django.contrib.auth.hashers import make_password

    from shouwang.accounts.models import User
    from shouwang.org.models import Post, Role, Student, Unit

    per_class, classes_per_counsellor, colleges = 50, 5, 10
    n_classes = n_students // per_class
    school = Unit(code="SCH", name="示范大学", kind="school", path="/SCH/", depth=0)
    school.save()
    college_units = [
        Unit(code=f"C{c:02d}", name=f"学院{c}", kind="college", parent=school)
        for c in range(colleges)
    ]
    for u in college_units:
        u.path, u.depth = f"/SCH/{u.code}/", 1
    Unit.objects.bulk_create(college_units)
    college_ids = dict(Unit.objects.filter(kind="college").values_list("code", "pk"))
    class_units = []
    for k in range(n_classes):
        college = f"C{k % colleges:02d}"
        class_units.append(
            Unit(
                code=f"K{k:05d}",
                name=f"班{k}",
                kind="class",
                parent_id=college_ids[college],
                path=f"/SCH/{college}/K{k:05d}/",
                depth=2,
            )
        )
    Unit.objects.bulk_create(class_units, batch_size=2000)
    class_ids = dict(Unit.objects.filter(kind="class").values_list("code", "pk"))
    password = make_password(None)
    n_counsellors = max(1, n_classes // classes_per_counsellor)
    User.objects.bulk_create(
        [
            User(username=f"c{i}", full_name=f"辅导员{i}", password=password)
            for i in range(n_counsellors)
        ]
        + [
            User(username=f"d{i}", full_name=f"副书记{i}", password=password)
            for i in range(colleges)
        ]
    )
    users = dict(User.objects.values_list("username", "pk"))
    roles = dict(Role.objects.values_list("code", "pk"))
    since = datetime.date(2024, 9, 1)
    posts = []
    for k in range(n_classes):
        counsellor = users[f"c{k // classes_per_counsellor}"]
        posts.append(
            Post(
                person_id=counsellor,
                unit_id=class_ids[f"K{k:05d}"],
                role_id=roles["counsellor"],
                since=since,
            )
        )
    for c in range(colleges):
        posts.append(
            Post(
                person_id=users[f"d{c}"],
                unit_id=college_ids[f"C{c:02d}"],
                role_id=roles["deputy_secretary"],
                since=since,
            )
        )
    Post.objects.bulk_create(posts, batch_size=5000)
    Student.objects.bulk_create(
        [
            Student(
                student_no=f"2024{i:06d}",
                name=f"学生{i}",
                gender="MF"[i % 2],
                klass_id=class_ids[f"K{i // per_class:05d}"],
            )
            for i in range(n_classes * per_class)
        ],
        batch_size=5000,
    )
    return n_classes * per_class, n_counsellors


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="5,000 students (CI smoke)")
    args = parser.parse_args()
    n = 5_000 if args.quick else 50_000
    django_ready()
    from django.db import connection, transaction
    from django.utils import timezone

    from shouwang.escalation.models import Deadline
    from shouwang.escalation.sweep import deadline_sweep
    from shouwang.notify.models import Message
    from shouwang.talks.models import Obligation
    from shouwang.talks.obligations import obligations_open

    with transaction.atomic():
        students, counsellors = build(n)
    month = timezone.make_aware(datetime.datetime(2026, 11, 1, 0, 1))
    month_end = timezone.make_aware(datetime.datetime(2026, 12, 1, 0, 5))

    def analyze():  # fresh tables: let PostgreSQL's planner see their sizes, as autovacuum would
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    analyze()
    started = time.perf_counter()
    opened = obligations_open(now=month)
    open_seconds = time.perf_counter() - started
    assert opened == students, (opened, students)
    analyze()

    started, cpu = time.perf_counter(), time.process_time()
    swept = deadline_sweep(now=month_end)
    sweep_seconds = time.perf_counter() - started
    sweep_cpu = time.process_time() - cpu
    overdue = Obligation.objects.filter(state="overdue").count()
    messages = Message.objects.filter(kind="talks.overdue").count()
    assert swept == students and overdue == students, (swept, overdue)
    assert messages == counsellors, (messages, counsellors)

    started = time.perf_counter()
    escalated = deadline_sweep(now=month_end + datetime.timedelta(days=3, minutes=1))
    escalate_seconds = time.perf_counter() - started
    assert escalated == 10, escalated  # one escalation deadline per college
    assert Obligation.objects.filter(escalated=True).count() == students
    assert Message.objects.filter(kind="talks.escalated").count() == 10

    # Baseline: the same rows touched by plain UPDATEs (state back and forth, as a sweep would).
    ob = Obligation._meta.db_table
    dl = Deadline._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {dl} SET state = 'open' WHERE kind = 'talk_overdue'")
        cursor.execute(f"UPDATE {ob} SET state = 'open' WHERE kind = 'talk'")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {dl} SET state = 'done', claimed_by = 'baseline', done_at = %s "
            "WHERE kind = 'talk_overdue' AND state = 'open' AND due_at <= %s",
            [month_end, month_end],
        )
        cursor.execute(f"UPDATE {ob} SET state = 'overdue' WHERE kind = 'talk' AND state = 'open'")
    baseline = time.perf_counter() - started

    print(f"students: {students}, counsellors: {counsellors}, vendor: {connection.vendor}")
    line("month_start_open", open_seconds, "s")
    line("month_end_sweep", sweep_seconds, "s", "≤ 10 s at 50,000 students")
    line("month_end_sweep_cpu", sweep_cpu, "s")  # this process's CPU: the machine may be shared
    line("month_end_baseline_raw_update", baseline, "s")
    line("month_end_sweep_vs_baseline", sweep_seconds / baseline if baseline else 0, "×")
    line("escalation_sweep", escalate_seconds, "s")


if __name__ == "__main__":
    main()

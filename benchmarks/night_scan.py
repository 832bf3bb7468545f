"""The night-absence scan at the cut-off: 50,000 resident students, 200,000 trace events of the
day, 49,000 back (a present check-in), 1,000 absent without leave and 500 more on approved leave
(a registered excuse function, as the leave app registers one). CI smoke: --quick, 2,000
students, 8,000 traces, 40 absent.

Timed: the worker's first sweep at the cut-off (the rule's deadline claimed, the scan, the
reports filed, ONE event on the rule) and the next sweep (the reports routed in batches, first
in-app deliveries written), measured from the cut-off; then a second scan of the same night
(0 duplicates). Baseline in the same run: reading the residents and the night's check-ins once
(the floor any scan pays).
Targets: scan ≤ 2 s; all reports routed with first deliveries ≤ 5 s after the cut-off;
0 duplicates.
"""

import argparse
import datetime
import os
import time

from _setup import django_ready, line


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="5,000 students (CI smoke)")
    args = parser.parse_args()
    n_students, n_traces, n_absent, n_leave = (
        (2_000, 8_000, 40, 20) if args.quick else (50_000, 200_000, 1_000, 500)
    )
    django_ready()
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.utils import timezone

    from shouwang.accounts.models import User
    from shouwang.audit.services import rows_insert
    from shouwang.escalation.sweep import deadline_sweep
    from shouwang.monitoring import filing, hooks, nights, rules
    from shouwang.monitoring.models import AutoReport, CheckIn, Trace, TraceBatch
    from shouwang.monitoring.services import rule_save
    from shouwang.notify.models import Delivery
    from shouwang.org.models import Post, Role, Student, Unit
    from shouwang.reports import services as report_services
    from shouwang.reports.models import Report

    today = timezone.localdate()
    night = today
    cutoff = nights.cutoff_at(night, datetime.time(22, 30))
    afternoon = nights.local_at(night, datetime.time(14, 0))

    # ---- a school: classes of 40, rooms of 4 in 20 buildings, a counsellor per class --------
    with transaction.atomic():
        school = Unit.objects.create(code="BS", name="基准大学", kind="school")
        office = Unit.objects.create(
            code="BS-XSC", name="学生处", kind="office", parent=school, function="student_affairs"
        )
        n_classes = n_students // 40
        colleges = [
            Unit.objects.create(code=f"BS-C{c}", name=f"学院{c}", kind="college", parent=school)
            for c in range(10)
        ]
        classes = [
            Unit(
                code=f"BS-K{k}",
                name=f"班级{k}",
                kind="class",
                parent=colleges[k % 10],
                path=f"{colleges[k % 10].path}BS-K{k}/",
                depth=2,
            )
            for k in range(n_classes)
        ]
        Unit.objects.bulk_create(classes, batch_size=2000)
        buildings = [
            Unit.objects.create(
                code=f"BS-D{b}", name=f"{b}号楼", kind="dorm_building", parent=school
            )
            for b in range(20)
        ]
        n_rooms = n_students // 4
        rooms = [
            Unit(
                code=f"BS-R{r}",
                name=f"{r}室",
                kind="dorm_room",
                parent=buildings[r % 20],
                path=f"{buildings[r % 20].path}BS-R{r}/",
                depth=2,
            )
            for r in range(n_rooms)
        ]
        Unit.objects.bulk_create(rooms, batch_size=2000)
        classes = list(Unit.objects.filter(kind="class", code__startswith="BS-K").order_by("pk"))
        rooms = list(Unit.objects.filter(kind="dorm_room", code__startswith="BS-R").order_by("pk"))
        password = make_password("x")
        User.objects.bulk_create(
            [
                User(username=f"c{k}", full_name=f"辅导员{k}", staff_no=f"C{k}", password=password)
                for k in range(n_classes)
            ]
            + [User(username="xsc", full_name="学生处", staff_no="X1", password=password)],
            batch_size=2000,
        )
        people = {u.username: u for u in User.objects.all()}
        counsellor = Role.objects.get(code="counsellor")
        since = datetime.date(2024, 9, 1)
        Post.objects.bulk_create(
            [
                Post(person=people[f"c{k}"], unit=klass, role=counsellor, since=since)
                for k, klass in enumerate(classes)
            ]
            + [
                Post(
                    person=people["xsc"],
                    unit=office,
                    role=Role.objects.get(code="student_affairs_officer"),
                    since=since,
                )
            ],
            batch_size=2000,
        )
        Student.objects.bulk_create(
            [
                Student(
                    student_no=f"B{i:07d}",
                    name=f"学生{i}",
                    gender="M",
                    klass=classes[i // 40],
                    dorm_room=rooms[i // 4],
                )
                for i in range(n_students)
            ],
            batch_size=5000,
        )
        ids = list(Student.objects.order_by("pk").values_list("pk", flat=True))
        # Absent students spread over the classes (every ids[k*step]); some on leave.
        step = n_students // (n_absent + n_leave)
        away = set(ids[::step][: n_absent + n_leave])
        on_leave = set(sorted(away)[:n_leave])
        batch = TraceBatch.objects.create(
            source_type="gate", source="bench", count=n_traces, created_at=afternoon
        )
        rows_insert(
            Trace,
            [
                {
                    "student_id": ids[t % n_students],
                    "at": afternoon + datetime.timedelta(seconds=t % 20_000),
                    "source_type": "card",
                    "place": "食堂",
                    "direction": "",
                    "batch_id": batch.pk,
                }
                for t in range(n_traces)
            ],
        )
        rows_insert(
            CheckIn,
            [
                {
                    "student_id": pk,
                    "night": night,
                    "status": "present",
                    "source": "gate",
                    "at": afternoon,
                    "place": "",
                }
                for pk in ids
                if pk not in away
            ],
        )
    hooks.register_excuse(
        lambda student_ids, start, end: {pk: hooks.ON_LEAVE for pk in on_leave & set(student_ids)}
    )
    rule = rule_save(
        actor=None,
        kind="night_absence",
        name="夜不归宿",
        category="night_absence",
        severity="general",
        cutoff="22:30",
        now=afternoon,
    )

    # ---- baseline: the floor of any scan ----------------------------------------------------
    started = time.perf_counter()
    residents = list(Student.objects.filter(dorm_room__isnull=False).values_list("pk", "klass_id"))
    present = set(
        CheckIn.objects.filter(night=night, status="present").values_list("student_id", flat=True)
    )
    baseline = time.perf_counter() - started
    assert len(residents) == n_students and len(present) == n_students - len(away)

    # ---- the scan at the cut-off, then the routing sweep --------------------------------------
    # Filing is reports' service (reports_file_automatic, bulk; until it lands, report_file per
    # report through monitoring's token): timed apart, so the scan's own cost shows too.
    filing_time = [0.0]
    file_reports = filing.file_reports

    def timed_filing(**kwargs):
        t0 = time.perf_counter()
        try:
            return file_reports(**kwargs)
        finally:
            filing_time[0] += time.perf_counter() - t0

    filing.file_reports = timed_filing
    bulk = hasattr(report_services, "reports_file_automatic")
    started = time.perf_counter()
    if os.environ.get("NIGHT_SCAN_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(deadline_sweep, now=cutoff)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    else:
        deadline_sweep(now=cutoff)
    scan = time.perf_counter() - started
    filed = Report.objects.count()
    deadline_sweep(now=cutoff + datetime.timedelta(seconds=1))
    routed_after = time.perf_counter() - started
    unrouted = Report.objects.filter(route=[]).count()
    first_deliveries = (
        Delivery.objects.filter(
            channel="inapp", message__created_at__lte=cutoff + datetime.timedelta(seconds=5)
        )
        .values("recipient_id")
        .distinct()
        .count()
    )
    with transaction.atomic():
        rules.scan_night(rule, night=night, now=cutoff + datetime.timedelta(seconds=10))
    duplicates = (
        Report.objects.count()
        - filed
        + (AutoReport.objects.count() - AutoReport.objects.values("student_id").distinct().count())
    )
    assert filed == n_absent, (filed, n_absent)
    assert unrouted == 0, unrouted
    line("night_scan.baseline_read", baseline, "s", "the floor")
    line("night_scan.scan", scan, "s", "≤ 2 s")
    line("night_scan.scan_without_filing", scan - filing_time[0], "s")
    line(
        "night_scan.filing_" + ("reports_file_automatic" if bulk else "report_file_fallback"),
        filing_time[0],
        "s",
    )
    line("night_scan.scan_ratio_to_baseline", scan / baseline if baseline else 0, "x")
    line("night_scan.routed_with_first_deliveries", routed_after, "s after the cut-off", "≤ 5 s")
    line("night_scan.reports", filed, "reports", f"= {n_absent}")
    line("night_scan.counsellors_messaged", first_deliveries, "people")
    line("night_scan.duplicates", duplicates, "reports", "0")


if __name__ == "__main__":
    main()

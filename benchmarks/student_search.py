"""Scoped student search over a 50,000-student demo school (CI smoke: --quick, 2,000).

Builds the demo school into a fresh database (a temporary SQLite file unless
SHOUWANG_DATABASE_URL is set; it must then be empty), then times ~500 calls of
org.selectors.student_search for a counsellor, a college deputy secretary and the 学生处
officer: 学号 prefixes, full 学号, surnames and given-name fragments, a third of them drawn from
the viewer's own students (hits) and the rest from the whole school (mostly misses for a
counsellor, the slow case: the scan finds fewer than 50 rows and reads to the end). The
baseline is the same queries without a scope (a superuser sees Student.objects.all()).
"""

import argparse
import os
import random
import time

from _setup import django_ready, line, percentile


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="2,000 students (CI smoke)")
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    n = 2_000 if args.quick else 50_000
    django_ready()
    from shouwang.accounts.models import User
    from shouwang.demo.school import build_demo
    from shouwang.org import selectors
    from shouwang.org.models import Student

    started = time.perf_counter()
    build_demo(students=n, seed=1)
    line(
        "demo_build.seconds",
        time.perf_counter() - started,
        "s",
        "≤ 60 s at 50,000" if not args.quick else "",
    )

    from django.db import connection

    if connection.vendor == "postgresql":
        # Autovacuum analyses a freshly loaded table within about a minute; measure the
        # steady state, not the planner's guesses without statistics.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    rng = random.Random(5)
    everyone = list(Student.objects.order_by("student_no").values_list("student_no", "name"))
    viewers = [User.objects.get(username=u) for u in ("counsellor1", "c01_secretary", "xsc")]
    own = {
        v.pk: list(
            selectors.students_visible(v).order_by("student_no").values_list("student_no", "name")
        )
        for v in viewers
    }

    def queries_for(no, name):
        return [no[:6], no[:8], no, name[0], name[1:], name[-1]]

    work = []  # (viewer, query)
    for i in range(args.queries):
        viewer = viewers[i % len(viewers)]
        no, name = rng.choice(own[viewer.pk] if i % 3 == 0 else everyone)
        work.append((viewer, rng.choice(queries_for(no, name))))

    cpu = []

    def timed(run):
        times = []
        cpu.clear()
        for viewer, q in work:
            t, c = time.perf_counter(), time.process_time()
            run(viewer, q)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        return times

    superuser = User(username="bench-superuser", is_superuser=True, is_active=True)
    for viewer, q in work[:30]:  # warm the caches (page cache, SQLite statement cache) for both
        list(selectors.student_search(viewer, q))
    scoped = timed(lambda viewer, q: list(selectors.student_search(viewer, q)))
    scoped_cpu = list(cpu)
    unscoped = timed(lambda _viewer, q: list(selectors.student_search(superuser, q)))
    by_viewer = {
        v.username: [t for (w, _q), t in zip(work, scoped, strict=True) if w is v] for v in viewers
    }

    print(f"student_search.students: {n}")
    print(f"student_search.queries: {len(work)}")
    line("student_search.p50", percentile(scoped, 50), "ms")
    line("student_search.p95", percentile(scoped, 95), "ms", "≤ 50 ms")
    # This process's CPU per query: near the wall time on an idle machine with SQLite (the
    # query runs in-process), so it shows what load from other processes added; it leaves
    # out the server's work on PostgreSQL.
    line("student_search.cpu_p95", percentile(scoped_cpu, 95), "ms")
    print(f"student_search.load_average: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} CPUs)")
    for username, times in by_viewer.items():
        line(f"student_search.p95.{username}", percentile(times, 95), "ms")
    line("student_search.unscoped_p50", percentile(unscoped, 50), "ms")
    line("student_search.unscoped_p95", percentile(unscoped, 95), "ms")
    line(
        "student_search.ratio_p95_to_unscoped",
        percentile(scoped, 95) / percentile(unscoped, 95),
        "x",
    )


if __name__ == "__main__":
    main()

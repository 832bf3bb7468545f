"""Scoped student search over a 50,000-student demo school (CI smoke: --quick, 2,000).

p50/p95 of org.selectors.student_search for a counsellor, a college deputy secretary and the
学生处 officer, with the same queries unscoped as the baseline from the same run."""

import argparse
import random
import time

from _setup import django_ready, line, percentile


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 2_000 if args.quick else 50_000
    django_ready()
    from shouwang.accounts.models import User
    from shouwang.org import selectors
    from shouwang.org.demo import build_demo
    from shouwang.org.models import Student

    started = time.perf_counter()
    build_demo(students=n, seed=1)
    line("demo_build.seconds", time.perf_counter() - started, "s")

    rng = random.Random(5)
    sample = list(Student.objects.order_by("?").values_list("student_no", "name")[:300])
    queries = []
    for no, name in sample:
        queries += [no[:6], no, name[0], name[1:]]
    rng.shuffle(queries)
    queries = queries[:500]
    viewers = [User.objects.get(username=u) for u in ("counsellor1", "c01_secretary", "xsc")]

    def timed(run):
        times = []
        for i, q in enumerate(queries):
            t = time.perf_counter()
            run(viewers[i % len(viewers)], q)
            times.append((time.perf_counter() - t) * 1000)
        return times

    scoped = timed(lambda viewer, q: list(selectors.student_search(viewer, q)))
    from django.db.models import Q

    unscoped = timed(lambda viewer, q: list(
        Student.objects.filter(Q(student_no__startswith=q) | Q(name__contains=q)).select_related("klass", "dorm_room")
        .order_by("student_no")[:50]))
    line("student_search.students", n, "")
    line("student_search.p50", percentile(scoped, 50), "ms")
    line("student_search.p95", percentile(scoped, 95), "ms", "≤ 50 ms")
    line("student_search.unscoped_p95", percentile(unscoped, 95), "ms")
    line("student_search.ratio_p95_to_unscoped", percentile(scoped, 95) / percentile(unscoped, 95), "x")


if __name__ == "__main__":
    main()

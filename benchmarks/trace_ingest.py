"""Trace events accepted per second through the batch API (POST /api/v1/traces, a gate
system's token, 5,000 events a request) on PostgreSQL, beside a baseline measured in the same
run on the same database: the same rows written by a raw multi-row INSERT (1,000 rows a
statement, one transaction per 5,000), no parsing, no checks, no event. The API does what the
raw insert does not: it reads and validates the JSON, looks every 学号 and card number up in
the caller's scope, writes the traces by COPY, turns gate passages inward into the night's
check-ins and records ONE timeline event per batch. Requests run in-process through Django's
handler (the server's own cost is benchmarks/ingest.py's subject).

Database: SHOUWANG_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_traces (dropped and
created afresh). CI smoke: --quick, 20,000 events.
Targets: ≥ 5,000 events/s; ≥ 25 % of the raw INSERT's rate.
"""

import argparse
import datetime
import json
import os
import time

from _setup import django_ready, line

BATCH = 5_000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="20,000 events (CI smoke)")
    args = parser.parse_args()
    n_events, n_students = (20_000, 2_000) if args.quick else (200_000, 20_000)
    django_ready(fresh_postgres="bench_traces")
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from shouwang.api.services import token_create
    from shouwang.monitoring.models import CardNumber, Trace, TraceBatch
    from shouwang.org.models import Student, Unit

    settings.ALLOWED_HOSTS = ["*"]
    school = Unit.objects.create(code="BT", name="基准大学", kind="school")
    college = Unit.objects.create(code="BT-C", name="学院", kind="college", parent=school)
    klass = Unit.objects.create(code="BT-K", name="班级", kind="class", parent=college)
    building = Unit.objects.create(code="BT-D", name="1号楼", kind="dorm_building", parent=school)
    room = Unit.objects.create(code="BT-R", name="101室", kind="dorm_room", parent=building)
    Student.objects.bulk_create(
        [
            Student(
                student_no=f"T{i:07d}", name=f"学生{i}", gender="F", klass=klass, dorm_room=room
            )
            for i in range(n_students)
        ],
        batch_size=5000,
    )
    ids = list(Student.objects.order_by("pk").values_list("pk", flat=True))
    CardNumber.objects.bulk_create(
        [CardNumber(card_no=f"K{i:07d}", student_id=pk) for i, pk in enumerate(ids)],
        batch_size=5000,
    )
    _token, raw = token_create(
        actor=None, name="门禁系统", unit=school, permissions=["monitoring.write"]
    )
    now = timezone.now().replace(microsecond=0)
    start = now - datetime.timedelta(hours=6)

    def event(i):
        at = (start + datetime.timedelta(seconds=i % 20_000)).isoformat()
        if i % 5 == 0:
            return {"card_no": f"K{i % n_students:07d}", "at": at, "source_type": "card"}
        return {
            "student_no": f"T{i % n_students:07d}",
            "at": at,
            "place": "东门",
            "direction": "in" if i % 2 else "out",
        }

    bodies = [
        json.dumps(
            {"source": "海康门禁", "events": [event(i) for i in range(b, min(b + BATCH, n_events))]}
        )
        for b in range(0, n_events, BATCH)
    ]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    # ---- the API -----------------------------------------------------------------------------
    def send_all():
        for body in bodies:
            answer = client.post("/api/v1/traces", body, content_type="application/json")
            assert answer.status_code == 201, answer.content[:500]

    started = time.perf_counter()
    if os.environ.get("TRACE_INGEST_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(send_all)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    else:
        send_all()
    api = time.perf_counter() - started
    assert Trace.objects.count() == n_events

    # ---- baseline: the same rows, raw multi-row INSERT ------------------------------------------
    batch = TraceBatch.objects.create(source_type="gate", source="raw", created_at=now)
    rows = [
        (
            ids[i % n_students],
            start + datetime.timedelta(seconds=i % 20_000),
            "card" if i % 5 == 0 else "gate",
            "" if i % 5 == 0 else "东门",
            "" if i % 5 == 0 else ("in" if i % 2 else "out"),
            batch.pk,
        )
        for i in range(n_events)
    ]
    table = Trace._meta.db_table
    cols = "student_id, at, source_type, place, direction, batch_id"
    started = time.perf_counter()
    for b in range(0, n_events, BATCH):
        with transaction.atomic(), connection.cursor() as cursor:
            for s in range(b, min(b + BATCH, n_events), 1000):
                chunk = rows[s : s + 1000]
                values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
                cursor.execute(
                    f"INSERT INTO {table} ({cols}) VALUES {values}",
                    [v for row in chunk for v in row],
                )
    raw_seconds = time.perf_counter() - started
    assert Trace.objects.count() == 2 * n_events

    api_rate, raw_rate = n_events / api, n_events / raw_seconds
    line("trace_ingest.baseline_raw_insert", raw_rate, "events/s", "the ceiling")
    line("trace_ingest.api", api_rate, "events/s", "≥ 5,000 events/s")
    line("trace_ingest.ratio_to_raw_insert", 100 * api_rate / raw_rate, "%", "≥ 25 %")


if __name__ == "__main__":
    main()

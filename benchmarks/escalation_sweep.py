"""10,000 unacknowledged steps falling due at the same instant, swept by 2 real worker processes
on PostgreSQL. Target: all escalated within 5 s, 0 duplicates, 0 missed (CI smoke: --quick, 300).

Set-up: the demo school, N night-absence reports filed through reports.services.report_file
with an integration token and an old clock and routed, so each waits at its first level with
nothing due yet; then the workers start, and one UPDATE moves every first-step deadline to the
same instant a few seconds ahead. The time is measured from that
instant until no deadline due at it is still open (a cheap indexed poll, so the measuring does
not compete with the workers for the CPU). Then the database is checked: every first-step
deadline done, and per report exactly one miss, one escalation (or exhaustion), one deadline
for the next step and one new ack request; anything more is a duplicate, anything less missed.

Baselines from the same run, on the same rows: the ceiling of claiming them one at a time (each
deadline claimed and closed in its own transaction, two UPDATEs, from 2 connections: what a
row-by-row sweep costs before it does any work), and one bare UPDATE of all of them."""

import argparse
import datetime
import time

from _setup import django_ready, line, timed

WORKERS = 2


def file_reports(n, filed_at):
    """n reports as an access-control system files them (accepted, then routed by the sweep in
    batches: a fraction of the time people's one-by-one filing takes), all at `filed_at`."""
    from django.test import RequestFactory

    from shouwang.api.auth import TokenAuth
    from shouwang.api.services import token_create
    from shouwang.escalation.sweep import deadline_sweep
    from shouwang.org.models import Student, Unit
    from shouwang.reports.services import report_file

    _token, raw = token_create(
        actor=None,
        name="门禁系统",
        unit=Unit.objects.get(code="SCH"),
        permissions=["reports.write"],
    )
    principal = TokenAuth().authenticate(RequestFactory().post("/api/v1/reports"), raw)
    pairs = list(
        Student.objects.filter(dorm_room__isnull=False).values_list("dorm_room__code", "student_no")
    )
    for i in range(n):
        room, student_no = pairs[i % len(pairs)]
        report_file(
            actor=principal,
            api_token=principal.token,
            category="night_absence",
            severity="general",
            unit=room,
            occurred_at=filed_at - datetime.timedelta(minutes=5),
            place=room,
            description=f"查寝未归 #{i}",
            students=[student_no],
            now=filed_at,
        )
    assert deadline_sweep(now=filed_at) == n  # routed: every report waits for its first level


def verify(ids, filed_at):
    """(duplicates, missed) for the first-step deadlines `ids`, counted from the database."""
    from django.db.models import Count

    from shouwang.audit.models import Event
    from shouwang.escalation.models import Deadline
    from shouwang.notify.models import Message

    reports = list(Deadline.objects.filter(pk__in=ids).values_list("subject_id", flat=True))

    def per_report(qs):
        return dict(
            qs.filter(subject_id__in=reports).values_list("subject_id").annotate(n=Count("id"))
        )

    outcomes = per_report(
        Event.objects.filter(
            subject_type="reports.report", verb__in=["report.escalated", "route.exhausted"]
        )
    )
    misses = per_report(Event.objects.filter(subject_type="reports.report", verb="deadline.missed"))
    # Written by the sweep (filing wrote the first ones, at filed_at; a vacant level may have made
    # a report's first deadline step 1 already).
    next_steps = per_report(Deadline.objects.filter(kind="report_ack", created_at__gt=filed_at))
    asks = per_report(Message.objects.filter(kind="report.ack_request", created_at__gt=filed_at))
    duplicates = sum(
        max(0, counts.get(r, 0) - 1)
        for r in reports
        for counts in (outcomes, misses, next_steps, asks)
    )
    not_done = Deadline.objects.filter(pk__in=ids).exclude(state="done").count()
    return duplicates, not_done + sum(
        1 for r in reports if not outcomes.get(r) or not misses.get(r)
    )


def baseline(dsn, ids):
    import psycopg

    chunks = [ids[i::WORKERS] for i in range(WORKERS)]

    def claim(chunk):
        with psycopg.connect(dsn) as c:
            for pk in chunk:
                with c.transaction():
                    c.execute(
                        "UPDATE escalation_deadline SET state='claimed' "
                        "WHERE id=%s AND state='open'",
                        [pk],
                    )
                    c.execute("UPDATE escalation_deadline SET state='done' WHERE id=%s", [pk])

    return timed(claim, [(chunk,) for chunk in chunks])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 300 if args.quick else 10_000
    django_ready(fresh_postgres="shouwang_bench_sweep")
    from _server import Product
    from django.db import connection
    from django.utils import timezone

    from shouwang.demo.school import build_demo
    from shouwang.escalation.models import Deadline

    build_demo(students=1000 if args.quick else 5000, seed=1)
    # The demo school's own obligations (aftermath items, corrective actions, …) are not what
    # this measures: out of the way, so the sweep meets only the reports filed below.
    Deadline.objects.filter(state="open").update(state="cancelled")
    filed_at = timezone.now() - datetime.timedelta(days=2)
    started = time.perf_counter()
    file_reports(n, filed_at)
    line("escalation_sweep.setup_filing_seconds", time.perf_counter() - started, "s")
    first = Deadline.objects.filter(state="open")
    assert first.count() == n, first.count()
    ids = list(first.values_list("pk", flat=True))
    # Parked in the future while the workers start, then all made due at one instant.
    Deadline.objects.filter(pk__in=ids).update(due_at=timezone.now() + datetime.timedelta(days=1))
    # Planner statistics as autovacuum leaves them after a backlog like this one builds up (it
    # may or may not have run during the set-up minutes, which made runs differ).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")

    product = Product(workers=WORKERS, web_workers=1)
    try:
        time.sleep(3)  # the workers are up and idle
        due = timezone.now() + datetime.timedelta(seconds=2)
        Deadline.objects.filter(pk__in=ids).update(due_at=due)
        while timezone.now() < due:
            time.sleep(0.01)
        t0 = time.perf_counter()
        deadline = t0 + (120 if args.quick else 600)
        # Nothing else is open and due at `due`: the partial index on open rows answers at once.
        while Deadline.objects.filter(state="open", due_at__lte=due).exists():
            if time.perf_counter() > deadline:
                break
            time.sleep(0.02)
        seconds = time.perf_counter() - t0
    finally:
        product.stop()

    duplicates, missed = verify(ids, filed_at)
    line("escalation_sweep.steps", n, "steps")
    line("escalation_sweep.seconds", seconds, "s", "≤ 5 s for 10,000")
    line("escalation_sweep.per_second", n / seconds, "escalations/s")
    line("escalation_sweep.duplicates", duplicates, "", "0")
    line("escalation_sweep.missed", missed, "", "0")

    s = connection.settings_dict
    dsn = (
        f"postgresql://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}"
        f":{s['PORT'] or 5432}/{s['NAME']}"
    )
    Deadline.objects.filter(pk__in=ids).update(state="open")
    ceiling = baseline(dsn, ids)
    started = time.perf_counter()
    Deadline.objects.filter(pk__in=ids).update(state="done")
    bare = time.perf_counter() - started
    line("escalation_sweep.baseline_claim_row_by_row_seconds", ceiling, "s")
    line("escalation_sweep.ratio_to_row_by_row_claims", seconds / ceiling, "×")
    line("escalation_sweep.baseline_one_bare_update_seconds", bare, "s")


if __name__ == "__main__":
    main()

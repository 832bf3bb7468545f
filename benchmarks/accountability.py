"""The accountability detector over 10,000 reports and 500 incidents, and the statistics page
(CI smoke: --quick, 1,000 reports and 50 incidents, fewer rounds).

Database: a temporary SQLite file unless SHOUWANG_DATABASE_URL is set (empty database). A demo
school (2,000 students) gets a record a busy year leaves, written in bulk: reports by the
counsellors (a third filed late, some by offices for 漏报, a tenth decided locally by the
college, a few verified false), their recipients (some missed), the timeline events the detector
reads, and incidents with on-scene tasks and arrivals (some late). Timed: the detector's first
run (it writes every finding and its event) and a second run (idempotent: writes nothing); the
baseline in the same run is reading the same reports once with their category and unit (the
floor any detector pays). The statistics page is timed as a real request through Django's
handler for 学生处 (the widest scope); its baseline is GET /healthz.
Targets: detector ≤ 5 s; statistics page p95 ≤ 300 ms.
"""

import argparse
import datetime
import random
import time

from _setup import django_ready, line, percentile


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--quick", action="store_true", help="1,000 reports, 50 incidents (CI smoke)"
    )
    args = parser.parse_args()
    n_reports, n_incidents, rounds = (1_000, 50, 10) if args.quick else (10_000, 500, 60)
    django_ready()
    from django.conf import settings
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from shouwang.accountability.detector import detect
    from shouwang.accountability.models import Finding
    from shouwang.audit.services import batched_events, event_record, rows_insert
    from shouwang.demo.school import build_demo
    from shouwang.escalation.engine import route_plan
    from shouwang.incidents.models import Arrival, Incident, Task
    from shouwang.org.models import Post
    from shouwang.plans.models import Plan
    from shouwang.reports.models import Category, Recipient, Report

    settings.ALLOWED_HOSTS = ["*"]
    build_demo(students=500 if args.quick else 2_000, seed=1)
    rng = random.Random(1)
    now = timezone.now().replace(microsecond=0)
    counsellors = list(
        Post.objects.current().filter(role__code="counsellor").select_related("unit", "person")
    )
    seconds = {p.unit_id: p for p in Post.objects.current().filter(role__code="deputy_secretary")}
    office = (
        Post.objects.current()
        .filter(role__code="student_affairs_officer")
        .select_related("person")
        .first()
    )
    secretaries = list(seconds.values())
    categories = {c.code: c for c in Category.objects.all()}
    routes = {
        sev: route_plan(categories["fight"], sev, now) for sev in ("general", "larger", "major")
    }

    reports = []
    for i in range(n_reports):
        post = counsellors[i % len(counsellors)]
        severity = ("general", "larger", "major")[i % 3]
        filed = now - datetime.timedelta(days=rng.randint(0, 80), minutes=rng.randint(0, 1440))
        late = i % 3 == 0
        by_office = i % 100 == 7
        reports.append(
            {
                "category_id": categories["fight" if i % 2 else "discipline"].pk,
                "severity": severity,
                "unit_id": post.unit_id,
                "occurred_at": filed - datetime.timedelta(minutes=200 if late else 10),
                "place": "校园",
                "description": "基准",
                "cause": "",
                "trend": "",
                "reporter_id": office.person_id if by_office else post.person_id,
                "reporter_is_covert": False,
                "filed_at": filed,
                "policy_name": routes[severity]["policy_name"],
                "route": routes[severity]["route"],
                "current_step": routes[severity]["current_step"],
                "ack_state": "acknowledged",
                "acknowledged_at": filed + datetime.timedelta(minutes=4),
                "acknowledged_by_id": secretaries[i % len(secretaries)].person_id,
                "verification": "false" if i % 50 == 3 else "true",
                "decision": "local" if i % 10 == 1 else "",
                "people_count": 2,
            }
        )
    with transaction.atomic():
        ids = rows_insert(Report, reports, ids=True)
        recipients = []
        for pk, r in zip(ids, reports, strict=True):
            recipients.append(
                {
                    "report_id": pk,
                    "person_id": r["acknowledged_by_id"],
                    "step": r["current_step"],
                    "purpose": "ack",
                    "role": "deputy_secretary",
                    "added_at": r["filed_at"],
                    "due_at": r["filed_at"] + datetime.timedelta(minutes=10),
                    "acked_at": r["acknowledged_at"],
                    "ack_channel": "web",
                    "ack_note": "",
                    "missed_at": r["filed_at"] + datetime.timedelta(minutes=10)
                    if pk % 20 == 0
                    else None,
                }
            )
        rows_insert(Recipient, recipients)
        with batched_events():
            for pk, r in zip(ids, reports, strict=True):
                subject = ("reports.report", pk)
                event_record(actor=None, subject=subject, verb="report.filed", at=r["filed_at"])
                event_record(
                    actor=None,
                    subject=subject,
                    verb="route.step_started",
                    at=r["filed_at"],
                    data={"step": r["current_step"]},
                )
                if r["decision"] == "local":
                    event_record(
                        actor=None,
                        subject=subject,
                        verb="report.decided",
                        at=r["filed_at"],
                        data={"decision": "local"},
                    )
    plan = Plan.objects.get(code="group_fight")
    incidents = []
    for i in range(n_incidents):
        post = counsellors[i % len(counsellors)]
        incidents.append(
            Incident(
                title=f"基准事件 {i}",
                plan_version=plan.current,
                level="II",
                unit=post.unit,
                activated_by=office.person,
                activated_at=now - datetime.timedelta(days=i % 80),
                status="closed",
                closed_at=now - datetime.timedelta(days=i % 80, hours=-5),
            )
        )
    Incident.objects.bulk_create(incidents, batch_size=500)
    incidents = list(Incident.objects.filter(title__startswith="基准事件").order_by("pk"))
    tasks, arrivals = [], []
    for i, incident in enumerate(incidents):
        post = counsellors[i % len(counsellors)]
        due = incident.activated_at + datetime.timedelta(minutes=20)
        tasks.append(
            Task(
                incident=incident,
                step_id="counsellor_on_scene",
                title="赶赴现场",
                assignee=post.person,
                added_at_level="II",
                created_at=incident.activated_at,
                due_at=due,
            )
        )
        tasks.append(
            Task(
                incident=incident,
                step_id="calm_students",
                title="疏导",
                assignee=post.person,
                added_at_level="II",
                created_at=incident.activated_at,
                due_at=due,
            )
        )
        if i % 4:
            arrivals.append(
                Arrival(
                    incident=incident,
                    person=post.person,
                    at=due + datetime.timedelta(minutes=-5 if i % 2 else 15),
                )
            )
    Task.objects.bulk_create(tasks, batch_size=1000)
    Arrival.objects.bulk_create(arrivals, batch_size=1000)

    started = time.perf_counter()
    list(Report.objects.select_related("category", "unit").order_by())
    baseline = time.perf_counter() - started
    before = Finding.objects.count()  # the demo school's own
    started = time.perf_counter()
    first = detect(now=now)
    first_run = time.perf_counter() - started
    started = time.perf_counter()
    second = detect(now=now + datetime.timedelta(minutes=5))
    second_run = time.perf_counter() - started
    assert second["created"] == 0 and first["created"] == Finding.objects.count() - before > 0
    line("accountability.reports", n_reports, "reports")
    line("accountability.incidents", n_incidents, "incidents")
    line("accountability.findings", first["created"], "findings")
    line("accountability.detector_first_run_s", first_run, "s", "≤ 5 s")
    line("accountability.detector_rerun_s", second_run, "s", "≤ 5 s")
    line("accountability.baseline_read_reports_s", baseline, "s")
    line("accountability.ratio_to_reading", first_run / baseline, "×")

    client = Client()
    client.force_login(office.person)
    url = "/accountability/statistics/"
    assert client.get(url).status_code == 200
    page, health = [], []
    for _ in range(rounds):
        started = time.perf_counter()
        assert client.get(url).status_code == 200
        page.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        client.get("/healthz")
        health.append((time.perf_counter() - started) * 1000)
    line("accountability.statistics_p50_ms", percentile(page, 50), "ms")
    line("accountability.statistics_p95_ms", percentile(page, 95), "ms", "≤ 300 ms")
    line("accountability.baseline_healthz_p95_ms", percentile(health, 95), "ms")


if __name__ == "__main__":
    main()

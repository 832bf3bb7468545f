"""Several real worker processes on the same due rows: each escalation happens exactly once,
and a worker killed with SIGKILL mid-burst loses nothing (its open transaction rolls back).

PostgreSQL only: SQLite's test database lives in this process's memory, and SKIP LOCKED /
row locks are what these tests exist to prove."""

import collections
import datetime
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from shouwang.audit.models import Event
from shouwang.audit.selectors import chain_verify
from shouwang.escalation.models import Deadline
from shouwang.notify.models import Message
from shouwang.reports.models import Recipient
from shouwang.reports.services import report_file

from .conftest import at

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: run with SHOUWANG_DATABASE_URL=postgres://…",
)
ROOT = Path(__file__).resolve().parents[2]


def db_url():
    s = connection.settings_dict
    return (
        f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}"
        f":{s['PORT'] or 5432}/{s['NAME']}"
    )


def start_worker(now, worker_id):
    env = dict(os.environ, SHOUWANG_DATABASE_URL=db_url(), PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.escalation._sweeper", now.isoformat(), worker_id],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    return proc


def go(*procs):
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.close()


def run_two_workers(sweep_at) -> list[int]:
    """Two worker processes sweeping at `sweep_at`, started together, run to the end: how many
    deadlines each swept."""
    workers = [start_worker(sweep_at, "w1"), start_worker(sweep_at, "w2")]
    go(*workers)
    outputs = [w.stdout.read() for w in workers]
    for w in workers:
        w.wait(timeout=240)
    assert all(w.returncode == 0 for w in workers), outputs
    return [
        sum(int(line.split()[1]) for line in out.splitlines() if line.startswith("swept"))
        for out in outputs
    ]


def file_many(school, n, now):
    return [
        report_file(
            actor=school.admin,
            category="night_absence",
            severity="general",
            unit="D01-101",
            occurred_at=now - datetime.timedelta(minutes=5),
            place="1号楼101室",
            description=f"未归 #{i}",
            students=["2024010101"],
            now=now,
        )
        for i in range(n)
    ]


def assert_each_escalated_exactly_once(reports):
    ids = [str(r.pk) for r in reports]
    escalated = collections.Counter(
        Event.objects.filter(verb="report.escalated", subject_id__in=ids).values_list(
            "subject_id", flat=True
        )
    )
    assert all(escalated[i] == 1 for i in ids), escalated
    assert Deadline.objects.filter(subject_id__in=ids, fence=0, state="done").count() == len(ids)
    assert Deadline.objects.filter(subject_id__in=ids, fence=1, state="open").count() == len(ids)
    assert Recipient.objects.filter(report__in=reports, step=1, purpose="ack").count() == len(ids)
    # One ack request message per report per step: the counsellor is paged once, not twice.
    assert Message.objects.filter(subject_id__in=ids, kind="report.ack_request").count() == 2 * len(
        ids
    )
    assert chain_verify() is None


def test_two_workers_escalate_each_deadline_exactly_once(transactional_db, school):
    reports = file_many(school, 60, at(14))
    swept = run_two_workers(at(14, 31))
    # Both really worked: each swept some rows.
    assert sum(swept) == 60 and all(n > 0 for n in swept), swept
    assert_each_escalated_exactly_once(reports)


def test_worker_killed_mid_burst_loses_and_doubles_nothing(transactional_db, school):
    reports = file_many(school, 60, at(14))
    sweep_at = at(14, 31)
    victim = start_worker(sweep_at, "victim")
    go(victim)
    done = 0
    for line in victim.stdout:
        if line.startswith("swept"):
            done += int(line.split()[1])
        if done >= 9:
            break
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(timeout=30)
    assert victim.returncode == -signal.SIGKILL
    open_left = Deadline.objects.filter(state="open", fence=0).count()
    assert 0 < open_left < 60, "the kill should land mid-burst"
    assert not Deadline.objects.filter(state="claimed").exists(), (
        "a killed claim must roll back, not linger"
    )
    survivor = start_worker(sweep_at, "survivor")
    go(survivor)
    out = survivor.stdout.read()
    survivor.wait(timeout=240)
    assert survivor.returncode == 0, out
    assert_each_escalated_exactly_once(reports)


def test_acknowledgements_racing_escalations_resolve_cleanly(transactional_db, school):
    """Acks and a sweep run at the same instant on 40 reports: each report ends acknowledged,
    with either 'ack won' or 'escalated, then a late ack' on its timeline — never a deadlock."""
    import threading

    from shouwang.escalation.sweep import deadline_sweep
    from shouwang.reports.services import report_acknowledge

    reports = file_many(school, 40, at(14))
    race_at = at(14, 31)
    errors, barrier = [], threading.Barrier(2)

    def sweeper():
        try:
            barrier.wait()
            while Deadline.objects.filter(state="open", due_at__lte=race_at).exists():
                deadline_sweep(now=race_at, worker_id="sweeper", limit=2)
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connection.close()

    def acker():
        try:
            barrier.wait()
            for report in reports:
                report_acknowledge(actor=school.liu, report=report, channel="api", now=race_at)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper), threading.Thread(target=acker)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    for report in reports:
        report.refresh_from_db()
        assert report.ack_state == "acknowledged"
        events = list(
            Event.objects.filter(subject_id=str(report.pk), subject_type="reports.report").order_by(
                "seq"
            )
        )
        verbs = [e.verb for e in events]
        ack = next(e for e in events if e.verb == "report.acknowledged")
        if "report.escalated" in verbs:
            assert verbs.index("report.escalated") < verbs.index("report.acknowledged")
            assert ack.data["late"] is True
        else:
            assert ack.data["late"] is False
        assert verbs.count("report.escalated") <= 1
        assert not Deadline.objects.filter(subject_id=str(report.pk), state="open").exists()
    assert chain_verify() is None


def test_a_batch_takes_the_reports_another_worker_does_not_hold(transactional_db, school):
    """Another worker's batch holds (locks) six due reports: this worker's batch escalates the
    other six instead of finding its whole batch locked and doing nothing."""
    import threading

    from django.db import transaction

    from shouwang.escalation.sweep import deadline_sweep
    from shouwang.reports.models import Report

    reports = file_many(school, 12, at(14))
    held, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                list(Report.objects.select_for_update().filter(pk__in=[r.pk for r in reports[:6]]))
                held.set()
                release.wait(60)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert held.wait(30)
        assert deadline_sweep(now=at(14, 31), worker_id="w2", limit=6, max_batches=1) == 6
    finally:
        release.set()
        thread.join(60)
    escalated = set(
        Event.objects.filter(verb="report.escalated").values_list("subject_id", flat=True)
    )
    assert escalated == {str(r.pk) for r in reports[6:]}
    assert (
        Deadline.objects.filter(
            subject_id__in=[str(r.pk) for r in reports[:6]], fence=0, state="open"
        ).count()
        == 6
    )


def test_two_workers_route_an_integrations_burst_each_report_once(transactional_db, school):
    """Reports accepted from an integration wait for the worker to route them: two workers on
    the same burst route each exactly once (one plan, one ask, one message per report)."""
    from .test_deferred_routing import file_by, token_principal

    principal, _raw = token_principal(school)
    reports = [file_by(principal, at(14), api_token=principal.token) for _ in range(60)]
    ids = [str(r.pk) for r in reports]
    swept = run_two_workers(at(14) + datetime.timedelta(seconds=1))
    assert sum(swept) == 60 and all(n > 0 for n in swept), swept
    planned = collections.Counter(
        Event.objects.filter(verb="route.planned", subject_id__in=ids).values_list(
            "subject_id", flat=True
        )
    )
    assert planned == {i: 1 for i in ids}
    assert Recipient.objects.filter(report__in=reports, step=0, purpose="ack").count() == 60
    assert Message.objects.filter(subject_id__in=ids, kind="report.ack_request").count() == 60
    assert (
        Deadline.objects.filter(subject_id__in=ids, kind="report_route", outcome="routed").count()
        == 60
    )
    assert (
        Deadline.objects.filter(subject_id__in=ids, kind="report_ack", state="open").count() == 60
    )
    assert chain_verify() is None

from datetime import UTC

from django.core.management import call_command
from django_tasks import task

from shouwang.ops import sweeps
from shouwang.ops.models import WorkerHeartbeat

RAN = []


@task()
def note_ran(value):
    RAN.append(value)
    return value


def test_one_tick_runs_sweeps_and_queued_jobs_and_beats(transactional_db, monkeypatch):
    seen = []
    monkeypatch.setattr(sweeps, "SWEEPS", [lambda *, now: seen.append(now)])
    # The worker module imported SWEEPS by name; patch that binding too.
    from shouwang.ops.management.commands import worker

    monkeypatch.setattr(worker, "SWEEPS", sweeps.SWEEPS)
    RAN.clear()
    result = note_ran.enqueue("急")
    call_command("worker", once=True)
    assert len(seen) == 1
    assert RAN == ["急"]
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert WorkerHeartbeat.objects.count() == 1


def test_a_failing_sweep_does_not_stop_the_others(transactional_db, monkeypatch):
    seen = []

    def broken(*, now):
        raise RuntimeError("boom")

    from shouwang.ops.management.commands import worker

    monkeypatch.setattr(worker, "SWEEPS", [broken, lambda *, now: seen.append(now)])
    call_command("worker", once=True)
    assert len(seen) == 1


def test_each_chore_runs_on_its_own_cadence():
    # The sweeps every tick; a chore marked every(10, …) once per 10 s of the clock passed in.
    from datetime import datetime, timedelta

    from shouwang.ops.management.commands.worker import tick
    from shouwang.ops.sweeps import every

    runs = []
    chores = [
        lambda *, now: runs.append(("sweep", now)),
        every(10, lambda *, now: runs.append(("beat", now))),
    ]
    start, last_run = datetime(2026, 12, 1, 8, tzinfo=UTC), {}
    for seconds in (0, 0.2, 9.8, 10, 10.2, 25):
        tick(chores, last_run, start + timedelta(seconds=seconds))
    assert [s for kind, s in runs if kind == "beat"] == [
        start + timedelta(seconds=s) for s in (0, 10, 25)
    ]
    assert len([1 for kind, _ in runs if kind == "sweep"]) == 6


def test_a_failing_chore_is_logged_and_the_next_tick_tries_again(caplog):
    from datetime import datetime, timedelta

    from shouwang.ops.management.commands.worker import tick

    calls = []

    def flaky(*, now):
        calls.append(now)
        raise RuntimeError("database went away")

    start, last_run = datetime(2026, 12, 1, 8, tzinfo=UTC), {}
    tick([flaky], last_run, start)
    tick([flaky], last_run, start + timedelta(seconds=0.2))
    assert len(calls) == 2
    assert "sweep flaky failed" in caplog.text

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

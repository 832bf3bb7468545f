"""Two real worker processes on the same overdue incident tasks (PostgreSQL): each reminder and
each "overdue → group head" happens exactly once."""

import collections
from datetime import timedelta

import pytest
from django.db import connection

from shouwang.audit.models import Event
from shouwang.audit.selectors import chain_verify
from shouwang.escalation.models import Deadline
from shouwang.incidents import services
from shouwang.incidents.models import Task

from ..escalation.test_workers import run_two_workers
from .conftest import NOW

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: run with SHOUWANG_DATABASE_URL=postgres://…",
)


def test_two_workers_tell_the_head_about_each_overdue_task_once(transactional_db, campus):
    incidents = [
        services.incident_activate(
            actor=campus.chen,
            plan=campus.plan,
            level="I",
            event_type="leak",
            unit=campus.class_a,
            now=NOW,
        )
        for _ in range(8)
    ]
    tasks = Task.objects.filter(incident__in=incidents)
    assert tasks.count() == 8 * 6
    later = NOW + timedelta(days=1)  # every reminder and every overdue deadline is due
    run_two_workers(later)
    overdue = collections.Counter(e.data["task"] for e in Event.objects.filter(verb="task.overdue"))
    assert set(overdue) == set(tasks.values_list("pk", flat=True)) and set(overdue.values()) == {1}
    reminded = collections.Counter(
        e.data["task"] for e in Event.objects.filter(verb="task.reminded")
    )
    assert set(reminded.values()) == {1}
    assert not Deadline.objects.filter(
        subject_type="incidents.task", state__in=["open", "claimed"]
    ).exists()
    assert chain_verify() is None

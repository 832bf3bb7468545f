"""A closed incident of the test plan (tests/incidents/conftest.py) at a fixed clock: 陈处长
(chen) activated it for class C01-2024-1 at level II, did the tasks and closed it at CLOSED.
The command group: head 周校长 (boss), deputy and office 陈处长, member 鲍科长 (bao)."""

from datetime import timedelta

import pytest

from shouwang.incidents import services as incidents
from tests.incidents.conftest import NOW, campus  # noqa: F401  (re-exported as a fixture)

CLOSED = NOW + timedelta(hours=3)


def close_incident(campus, *, at=CLOSED, level="II"):  # noqa: F811
    incident = incidents.incident_activate(
        actor=campus.chen, plan=campus.plan, level=level, unit=campus.class_a, now=NOW
    )
    for task in incident.tasks.filter(mandatory=True):
        incidents.task_complete(
            actor=campus.chen, task=task, note="完成", now=NOW + timedelta(minutes=5)
        )
    return incidents.incident_close(
        actor=campus.chen, incident=incident, summary="处置完毕", now=at
    )


@pytest.fixture
def closed(campus):  # noqa: F811
    return close_incident(campus)

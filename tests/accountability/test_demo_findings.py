"""The demo school shows the feature on first start: a finding of every kind, found by the
detector from what the demo's services wrote, one explained and exempted, one confirmed."""

import pytest

from shouwang.accountability.models import Finding
from shouwang.demo.school import build_demo

pytestmark = pytest.mark.django_db


def test_demo_has_a_finding_of_every_kind():
    build_demo(students=200, seed=1)
    assert set(Finding.objects.values_list("kind", flat=True)) == set(Finding.Kind.values)
    assert set(Finding.objects.filter(kind="late_arrival").values_list("detail", flat=True)) >= {
        "ack_missed",
        "arrival_late",
    }
    assert Finding.objects.filter(
        kind="concealed", state="exempted", person__username="counsellor1"
    ).exists()
    assert Finding.objects.filter(kind="late_report", state="confirmed").exists()

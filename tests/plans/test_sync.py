"""The shipped library reaches the database on migrate, and a changed file adds a version."""

import pytest

from shouwang.plans.loading import builtin_plans
from shouwang.plans.models import Plan
from shouwang.plans.services import builtin_plans_sync

pytestmark = pytest.mark.django_db


def test_migrate_loads_the_library_as_built_in_plans_and_keeps_versions(monkeypatch, tmp_path):
    shipped = {p["id"] for p in builtin_plans()}
    assert set(Plan.objects.filter(is_builtin=True).values_list("code", flat=True)) == shipped
    builtin_plans_sync()  # unchanged files add no version
    assert all(p.versions.count() == 1 for p in Plan.objects.filter(is_builtin=True))
    # A new release of one file: a second version; the first stays for incidents that use it.
    from shouwang.plans import loading, services

    source = loading.library_dir() / "group_fight.yaml"
    (tmp_path / "group_fight.yaml").write_text(
        source.read_text(encoding="utf-8").replace(
            "群体斗殴突发事件应急预案", "群体斗殴突发事件应急预案（修订）", 1
        ),
        encoding="utf-8",
    )
    monkeypatch.setattr(services, "library_dir", lambda: tmp_path)
    builtin_plans_sync()
    fight = Plan.objects.get(code="group_fight")
    assert [v.number for v in fight.versions.order_by("number")] == [1, 2]
    assert fight.title.endswith("（修订）")

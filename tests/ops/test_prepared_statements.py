"""PostgreSQL connections bind parameters on the server and prepare what they repeat."""

import pytest
from django.db import connection

from shouwang.org.models import Unit


@pytest.mark.django_db
def test_a_statement_run_again_and_again_is_prepared_once_and_gives_the_same_rows(school):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    codes = list(Unit.objects.order_by("pk").values_list("code", flat=True)[:8])
    # Different values each time: with server-side binding the SQL text is the same, so the
    # driver prepares it once (on its fifth run) and only sends the values after that.
    found = [Unit.objects.filter(code=code).values_list("code", flat=True).get() for code in codes]
    assert found == codes
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       ['%FROM "org_unit" WHERE "org_unit"."code" = $1%'])
        assert cursor.fetchone()[0] == 1


def test_prepared_statements_can_be_switched_off_for_old_connection_poolers(monkeypatch):
    import importlib

    from shouwang import settings

    monkeypatch.setenv("SHOUWANG_DATABASE_URL", "postgres://u@db.example:5432/shouwang")
    monkeypatch.setenv("SHOUWANG_DB_PREPARED_STATEMENTS", "false")
    try:
        assert "prepare_threshold" not in importlib.reload(settings).DATABASES["default"].get("OPTIONS", {})
        monkeypatch.setenv("SHOUWANG_DB_PREPARED_STATEMENTS", "true")
        options = importlib.reload(settings).DATABASES["default"]["OPTIONS"]
        assert options == {"server_side_binding": True, "prepare_threshold": 5,
                           "options": "-c plan_cache_mode=force_custom_plan"}
    finally:
        monkeypatch.undo()
        importlib.reload(settings)


@pytest.mark.django_db
def test_prepared_sweep_queries_still_use_the_partial_indexes(school):
    """A generic plan cannot prove `state = $1` matches a partial index's `state = 'open'`, and
    would scan the whole table each tick; every execution is planned for its values instead."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_custom_plan"
        cursor.execute("PREPARE due(timestamptz, text) AS SELECT id FROM escalation_deadline"
                       " WHERE due_at <= $1 AND state = $2 ORDER BY due_at LIMIT 10")
        try:
            cursor.execute("EXPLAIN EXECUTE due(now(), 'open')")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE due")
    assert "deadline_open_due" in plan, plan

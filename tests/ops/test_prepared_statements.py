"""PostgreSQL connections of the web server bind parameters on the server and prepare what
they repeat; the worker's do not (see DATABASES in settings.py)."""

import importlib
import os
import subprocess
import sys

import pytest
from django.db import connection

PREPARED = {
    "server_side_binding": True,
    "prepare_threshold": 5,
    "options": "-c plan_cache_mode=force_custom_plan",
}


def _options(monkeypatch, **env):
    from shouwang import settings

    monkeypatch.setenv("SHOUWANG_DATABASE_URL", "postgres://u@db.example:5432/shouwang")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        return importlib.reload(settings).DATABASES["default"].get("OPTIONS", {})
    finally:
        monkeypatch.undo()
        importlib.reload(settings)


def test_prepared_statements_are_off_unless_asked_for_and_can_be_switched_off(monkeypatch):
    monkeypatch.delenv("SHOUWANG_DB_PREPARED_STATEMENTS", raising=False)
    assert "prepare_threshold" not in _options(monkeypatch)
    assert _options(monkeypatch, SHOUWANG_DB_PREPARED_STATEMENTS="true") == PREPARED
    assert "prepare_threshold" not in _options(monkeypatch, SHOUWANG_DB_PREPARED_STATEMENTS="false")


@pytest.mark.parametrize(
    "env, expected", [({}, PREPARED), ({"SHOUWANG_DB_PREPARED_STATEMENTS": "false"}, {})]
)
def test_the_web_server_asks_for_them_unless_told_not_to(env, expected):
    code = (
        "import shouwang.wsgi; from django.conf import settings; "
        "print(sorted(settings.DATABASES['default'].get('OPTIONS', {}).items()))"
    )
    env = {k: v for k, v in os.environ.items() if k != "SHOUWANG_DB_PREPARED_STATEMENTS"} | env
    env["SHOUWANG_DATABASE_URL"] = "postgres://u@db.example:5432/shouwang"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str(sorted(expected.items()))


@pytest.fixture
def prepared_connection():
    """A second connection to the test database with the web server's options."""
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    from django.db.backends.postgresql.base import DatabaseWrapper

    wrapper = DatabaseWrapper(
        {**connection.settings_dict, "OPTIONS": dict(PREPARED)}, alias="prepared"
    )
    yield wrapper
    wrapper.close()


@pytest.mark.django_db
def test_a_statement_run_again_and_again_is_prepared_once(prepared_connection):
    # Different values each time: with server-side binding the SQL text is the same, so the
    # driver prepares it once (on its fifth run) and only sends the values after that.
    with prepared_connection.cursor() as cursor:
        for code in ["A", "B", "C", "D", "E", "F", "G"]:
            cursor.execute("SELECT id FROM org_unit WHERE code = %s", [code])
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%FROM org_unit WHERE code = $1%"],
        )
        assert cursor.fetchone()[0] == 1


@pytest.mark.django_db
def test_prepared_sweep_queries_still_use_the_partial_indexes(prepared_connection):
    """A generic plan cannot prove `state = $1` matches a partial index's `state = 'open'`, and
    would scan the whole table each tick; every execution is planned for its values instead."""
    with prepared_connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone()[0] == "force_custom_plan"
        cursor.execute(
            "PREPARE due(timestamptz, text) AS SELECT id FROM escalation_deadline"
            " WHERE due_at <= $1 AND state = $2 ORDER BY due_at LIMIT 10"
        )
        cursor.execute("EXPLAIN EXECUTE due(now(), 'open')")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "deadline_open_due" in plan, plan

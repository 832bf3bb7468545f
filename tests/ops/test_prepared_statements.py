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
        assert options == {"server_side_binding": True, "prepare_threshold": 5}
    finally:
        monkeypatch.undo()
        importlib.reload(settings)

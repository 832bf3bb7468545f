"""Schema helpers for migrations."""


def drop_pattern_ops_index(schema_editor, table: str, column: str) -> None:
    """Drop the `varchar_pattern_ops` index Django adds beside a unique CharField on PostgreSQL
    (for LIKE queries). On hash and key columns nothing searches by prefix, and the index only
    makes every insert write one more random-keyed B-tree. Other databases have none."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname "
            "= current_schema() AND tablename = %s"
            " AND indexdef LIKE %s",
            [table, f"%({column} varchar_pattern_ops)%"],
        )
        for (name,) in cursor.fetchall():
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def refresh_planner_statistics(*models) -> None:
    """After a bulk load commits, let PostgreSQL's planner know the tables' new sizes. Until
    autovacuum gets round to it (a minute or more), the planner takes freshly filled tables for
    nearly empty and scans them: routing's post lookup took 6 ms instead of 0.7 ms on the demo
    school in benchmarks/ingest.py. Models or "app_label.model" labels. Other databases: nothing
    to do."""
    from django.apps import apps
    from django.db import connection, transaction

    if connection.vendor != "postgresql" or not models:
        return

    def analyze():
        tables = ", ".join(
            connection.ops.quote_name(
                (apps.get_model(m) if isinstance(m, str) else m)._meta.db_table
            )
            for m in models
        )
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")

    transaction.on_commit(analyze)

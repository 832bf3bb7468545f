"""Schema helpers for migrations."""


def drop_pattern_ops_index(schema_editor, table: str, column: str) -> None:
    """Drop the `varchar_pattern_ops` index Django adds beside a unique CharField on PostgreSQL
    (for LIKE queries). On hash and key columns nothing searches by prefix, and the index only
    makes every insert write one more random-keyed B-tree. Other databases have none."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s"
            " AND indexdef LIKE %s", [table, f"%({column} varchar_pattern_ops)%"])
        for (name,) in cursor.fetchall():
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

"""Looking up the keys a file names (学号, 工号, unit codes) a chunk at a time: one query per
chunk, not per row, and each under every backend's parameter limit (SQLite's can be 999)."""

IN_CHUNK = 900


def values_in(queryset, field_name: str, keys, *columns):
    """Yield `queryset.values_list(*columns)` for the rows whose `field_name` is in `keys`."""
    keys = list(keys)
    for i in range(0, len(keys), IN_CHUNK):
        chunk = keys[i : i + IN_CHUNK]
        yield from queryset.filter(**{f"{field_name}__in": chunk}).values_list(*columns)

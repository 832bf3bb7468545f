"""Appending to the timeline. Every service in Shouwang calls `event_record` inside the same
transaction as the change it describes (one write, one event).

Appends lock the single chain-head row, so concurrent transactions queue on it. A service that
does a lot of work (filing a report routes it too) wraps its body in `batched_events()`: its
events are then appended together at the end, still inside the transaction, and the head is
locked only for that last moment instead of for the whole routing."""

import threading
from contextlib import contextmanager
from typing import Literal, overload

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

from .chain import audit_key, event_hash
from .models import ChainHead, Event

_pending = threading.local()

# Below this many rows one INSERT is as cheap as a COPY.
COPY_MIN_ROWS = 50
# Fields whose Python value Django sends unchanged (str, int, bool, None): no need to prepare them.
_SENT_AS_IS = {
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}
_NO_DEFAULT = object()


def _copy_value(field, connection):
    """value → what bulk_create would send for this field."""
    kind = field.get_internal_type()
    # Only Django's own fields: a field class of ours reporting the same internal type may
    # prepare its value (vault's encrypted fields report TextField and encrypt here).
    if kind in _SENT_AS_IS and type(field).__module__.startswith("django.db.models"):
        return None  # as it is
    if kind == "DateTimeField":
        # An aware datetime (or None) is what Django would send as it is; anything else it converts.
        return lambda v: (
            v if v is None or getattr(v, "tzinfo", None) else field.get_db_prep_save(v, connection)
        )
    return lambda v: field.get_db_prep_save(v, connection)


@overload
def rows_insert(model, rows: list[dict], *, ids: Literal[True]) -> list[int]: ...
@overload
def rows_insert(model, rows: list[dict], *, ids: Literal[False] = False) -> None: ...


def rows_insert(model, rows: list[dict], *, ids: bool = False) -> list[int] | None:
    """Insert new rows of `model`, given as {attname: value} (a field left out takes its model
    default), without reading their ids back. A sweep escalating hundreds of reports writes
    thousands of events, deliveries and recipients per transaction: building a model instance
    for each costs more than storing it, so rows stay plain dicts here. A few rows go in one
    INSERT; on PostgreSQL a large set goes through COPY (a fifth of bulk_create's per-row cost);
    otherwise (many rows elsewhere, a few with `ids`, a model with auto_now fields) it is
    bulk_create. With `ids`, returns the new rows' primary keys in order (on PostgreSQL drawn
    from the table's sequence first, so COPY can store them)."""
    if not rows:
        return [] if ids else None
    connection = connections[
        DEFAULT_DB_ALIAS
    ]  # the object itself: the proxy costs a lookup per value
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    if (
        len(rows) < COPY_MIN_ROWS
        and not ids
        and not any(
            getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) for f in fields
        )
    ):
        _insert_few(connection, model, fields, rows)
        return None
    if connection.vendor != "postgresql" or len(rows) < COPY_MIN_ROWS:
        objs = model.objects.bulk_create([model(**row) for row in rows])
        return [obj.pk for obj in objs] if ids else None
    new_ids = None
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, pk.column, len(rows)],
            )
            new_ids = [row[0] for row in cursor.fetchall()]
        rows = [{pk.attname: new_id, **row} for new_id, row in zip(new_ids, rows, strict=True)]
        fields = [pk, *fields]
    for f in fields:
        if f.attname not in rows[0] and not f.has_default() and not f.null and not f.blank:
            raise ValueError(
                f"rows_insert: {model.__name__}.{f.attname} has no value and no default"
            )
    plan = [
        (
            f.attname,
            f.get_default() if f.has_default() or f.blank or f.null else _NO_DEFAULT,
            _copy_value(f, connection),
        )
        for f in fields
    ]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(
                [
                    row.get(name, default) if prep is None else prep(row.get(name, default))
                    for name, default, prep in plan
                ]
            )
    return new_ids


def _insert_few(connection, model, fields, rows):
    """A few rows in one INSERT written from the model's metadata, with each value prepared as
    bulk_create prepares it. Every filing appends its event here: building the statement
    through the ORM took longer than the database took to run it."""
    values = []
    for row in rows:
        for f in fields:
            if f.attname in row:
                values.append(f.get_db_prep_save(row[f.attname], connection))
            elif f.has_default() or f.null or f.blank:
                values.append(f.get_db_prep_save(f.get_default(), connection))
            else:
                raise ValueError(
                    f"rows_insert: {model.__name__}.{f.attname} has no value and no default"
                )
    q = connection.ops.quote_name
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(f.column) for f in fields)})"
            f" VALUES {', '.join([one] * len(rows))}",
            values,
        )


def subject_key(subject) -> tuple[str, str]:
    """A model instance or an explicit (type, id) pair → ("app.model", "id")."""
    if isinstance(subject, models.Model):
        return subject._meta.label_lower, str(subject.pk)
    subject_type, subject_id = subject
    return subject_type, str(subject_id)


def event_record(*, actor, subject, verb: str, data: dict | None = None, at=None) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("event_record must run inside the transaction of the change it records")
    subject_type, subject_id = subject_key(subject)
    authenticated = actor is not None and actor.is_authenticated
    # A row, not an Event instance: a sweep records thousands at once (see rows_insert).
    event = {
        "subject_type": subject_type,
        "subject_id": subject_id,
        "actor_id": actor.pk if authenticated else None,
        "actor_label": actor.get_username() if authenticated else "system",
        "verb": verb,
        "data": data or {},
        "at": at or timezone.now(),
    }
    queue = getattr(_pending, "events", None)
    if queue is not None:
        queue.append(event)  # numbered and hashed when the batch closes
    else:
        _append([event])


def _append(events):
    # Lock the head: appends are serialised, so seq has no gaps and each event links to the last.
    # Plain SQL on our one-row table: every write in Shouwang passes here, and the ORM's query
    # building cost more than the statements themselves.
    connection = transaction.get_connection()
    table = connection.ops.quote_name(ChainHead._meta.db_table)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT seq, hash FROM {table} WHERE id = 1{lock}")
        seq, prev = cursor.fetchone()
        key = audit_key()
        for event in events:
            seq += 1
            event["seq"], event["prev_hash"] = seq, prev
            event["hash"] = prev = event_hash(**event, key=key)
        rows_insert(Event, events)
        cursor.execute(f"UPDATE {table} SET seq = %s, hash = %s WHERE id = 1", [seq, prev])


@contextmanager
def batched_events():
    """Queue this block's events and append them in one go at its end. Use inside the
    transaction (the append must commit with the change). Nested blocks join the outer one."""
    if getattr(_pending, "events", None) is not None:
        yield
        return
    _pending.events = []
    try:
        yield
        if _pending.events:
            _append(_pending.events)
    finally:
        _pending.events = None

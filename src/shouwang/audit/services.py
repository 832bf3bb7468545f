"""Appending to the timeline. Every service in Shouwang calls `event_record` inside the same
transaction as the change it describes (one write, one event).

Appends lock the single chain-head row, so concurrent transactions queue on it. A service that
does a lot of work (filing a report routes it too) wraps its body in `batched_events()`: its
events are then appended together at the end, still inside the transaction, and the head is
locked only for that last moment instead of for the whole routing."""

import threading
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

from .chain import event_hash
from .models import ChainHead, Event

_pending = threading.local()

# Below this many rows an INSERT is as cheap as a COPY and keeps the usual bulk_create behaviour.
COPY_MIN_ROWS = 50
# Fields whose Python value Django sends unchanged (str, int, bool, None): no need to prepare them.
_SENT_AS_IS = {"BigIntegerField", "BooleanField", "CharField", "ForeignKey", "IntegerField", "PositiveIntegerField",
               "PositiveSmallIntegerField", "SmallIntegerField", "TextField"}


def _copy_value(field, connection):
    """obj → the value bulk_create would send for this field."""
    attname = field.attname
    if field.get_internal_type() in _SENT_AS_IS:
        return lambda obj: getattr(obj, attname)
    if field.get_internal_type() == "DateTimeField" and not (field.auto_now or field.auto_now_add):
        def timestamp(obj):
            value = getattr(obj, attname)
            # An aware datetime (or None) is what Django would send as it is; anything else it converts.
            return value if value is None or getattr(value, "tzinfo", None) else field.get_db_prep_save(value, connection)
        return timestamp
    return lambda obj: field.get_db_prep_save(field.pre_save(obj, True), connection)


def rows_insert(objs: list) -> None:
    """Insert many new rows of one model, without reading their ids back. On PostgreSQL a large
    set goes through COPY: a sweep escalating hundreds of reports writes thousands of events,
    deliveries and recipients per transaction, and COPY costs a fifth of bulk_create's
    per-row overhead. Elsewhere, and for a few rows, it is bulk_create."""
    if not objs:
        return
    model = type(objs[0])
    connection = connections[DEFAULT_DB_ALIAS]  # the object itself: the proxy costs a lookup per value
    if connection.vendor != "postgresql" or len(objs) < COPY_MIN_ROWS:
        model.objects.bulk_create(objs)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    values = [_copy_value(f, connection) for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objs:
            copy.write_row([value(obj) for value in values])


def subject_key(subject) -> tuple[str, str]:
    """A model instance or an explicit (type, id) pair → ("app.model", "id")."""
    if isinstance(subject, models.Model):
        return subject._meta.label_lower, str(subject.pk)
    subject_type, subject_id = subject
    return subject_type, str(subject_id)


def event_record(*, actor, subject, verb: str, data: dict | None = None, at=None) -> Event:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("event_record must run inside the transaction of the change it records")
    subject_type, subject_id = subject_key(subject)
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    event = Event(
        subject_type=subject_type, subject_id=subject_id, actor_id=actor_id,
        actor_label=actor.get_username() if actor is not None and actor.is_authenticated else "system",
        verb=verb, data=data or {}, at=at or timezone.now(),
    )
    queue = getattr(_pending, "events", None)
    if queue is not None:
        queue.append(event)  # numbered and hashed when the batch closes
    else:
        _append([event])
    return event


def _append(events):
    # Lock the head: appends are serialised, so seq has no gaps and each event links to the last.
    head = ChainHead.objects.select_for_update().get(pk=1)
    seq, prev = head.seq, head.hash
    for event in events:
        seq += 1
        event.seq, event.prev_hash = seq, prev
        event.hash = prev = event_hash(
            prev_hash=event.prev_hash, seq=seq, subject_type=event.subject_type, subject_id=event.subject_id,
            actor_id=event.actor_id, actor_label=event.actor_label, verb=event.verb, data=event.data, at=event.at,
        )
    rows_insert(events)
    ChainHead.objects.filter(pk=1).update(seq=seq, hash=prev)


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

"""Appending to the timeline. Every service in Shouwang calls `event_record` inside the same
transaction as the change it describes (one write, one event).

Appends lock the single chain-head row, so concurrent transactions queue on it. A service that
does a lot of work (filing a report routes it too) wraps its body in `batched_events()`: its
events are then appended together at the end, still inside the transaction, and the head is
locked only for that last moment instead of for the whole routing."""

import threading
from contextlib import contextmanager

from django.db import models, transaction
from django.utils import timezone

from .chain import event_hash
from .models import ChainHead, Event

_pending = threading.local()


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
    Event.objects.bulk_create(events)
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

"""Appending to the timeline. Every service in Shouwang calls `event_record` inside the same
transaction as the change it describes (one write, one event)."""

from django.db import models, transaction
from django.utils import timezone

from .chain import event_hash
from .models import ChainHead, Event


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
    at = at or timezone.now()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    actor_label = actor.get_username() if actor is not None and actor.is_authenticated else "system"
    data = data or {}
    # Lock the head: appends are serialised, so seq has no gaps and each event links to the last.
    head = ChainHead.objects.select_for_update().get(pk=1)
    seq = head.seq + 1
    digest = event_hash(
        prev_hash=head.hash, seq=seq, subject_type=subject_type, subject_id=subject_id,
        actor_id=actor_id, actor_label=actor_label, verb=verb, data=data, at=at,
    )
    event = Event.objects.create(
        seq=seq, subject_type=subject_type, subject_id=subject_id, actor_id=actor_id,
        actor_label=actor_label, verb=verb, data=data, at=at, prev_hash=head.hash, hash=digest,
    )
    ChainHead.objects.filter(pk=1).update(seq=seq, hash=digest)
    return event

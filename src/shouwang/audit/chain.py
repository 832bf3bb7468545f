"""Hashing and verification of the timeline chain; no Django writes here.

With an audit key (SHOUWANG_AUDIT_KEY, kept outside the database) each link is an HMAC-SHA256:
someone who can write the database and has read this file can no longer rewrite one event and
re-hash every later row and the head, because they cannot compute the links. Without a key
(a trial) the links are plain SHA-256 and only accidents and clumsy edits are caught; signed
checkpoints (checkpoints.py) catch the rest even if the key leaked.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64


def audit_key() -> bytes | None:
    """SHOUWANG_AUDIT_KEY as bytes, or None for a trial without one."""
    from django.conf import settings

    return settings.AUDIT_KEY.encode() if settings.AUDIT_KEY else None


def canonical_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    *,
    prev_hash,
    seq,
    subject_type,
    subject_id,
    actor_id,
    actor_label,
    verb,
    data,
    at,
    key: bytes | None = None,
):
    body = json.dumps(
        {
            "seq": seq,
            "subject": [subject_type, str(subject_id)],
            "actor": [actor_id, actor_label],
            "verb": verb,
            "data": data,
            "at": canonical_time(at),
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    message = (prev_hash + body).encode()
    if key:
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


@dataclass
class ChainProblem:
    seq: int
    kind: str  # "altered" | "inserted" | "missing" | "truncated" | "unkeyed" | "checkpoint"
    detail: str


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement "after event #seq the chain's hash was `hash`" (checkpoints.py)."""

    seq: int
    hash: str
    signed_at: str
    source: str = ""


def verify_rows(
    rows,
    head_seq: int,
    head_hash: str,
    *,
    key: bytes | None = None,
    legacy_seq: int = 0,
    checkpoints=(),
) -> ChainProblem | None:
    """Walk events in seq order; return the first problem, or None when the chain is whole.

    `rows` yields tuples as stored. Each row's own hash is recomputed from its stored prev_hash
    (is the row what was written?) and its prev_hash compared with the hash of the row before
    (does it follow it?): together they name the forged row itself. A row that verifies but
    whose successor links past it to its predecessor was inserted. With `key`, every row after
    `legacy_seq` (rows written before the key was set) must carry a keyed link. `checkpoints`
    are signed (seq, hash) pairs: the chain must pass through each of them.
    """
    expected = {c.seq: c for c in checkpoints}
    passed: list[Checkpoint] = []
    expected_seq = 1
    prev = before_prev = GENESIS_HASH
    previous_row = None
    for (
        seq,
        subject_type,
        subject_id,
        actor_id,
        actor_label,
        verb,
        data,
        at,
        prev_hash,
        stored,
    ) in rows:
        if seq > expected_seq:
            return ChainProblem(expected_seq, "missing", f"event #{expected_seq} is missing")
        if seq < expected_seq:
            return ChainProblem(seq, "inserted", f"event #{seq} appears twice")
        fields = dict(
            seq=seq,
            subject_type=subject_type,
            subject_id=subject_id,
            actor_id=actor_id,
            actor_label=actor_label,
            verb=verb,
            data=data,
            at=at,
        )
        keyed = key is not None and seq > legacy_seq
        own_ok = event_hash(prev_hash=prev_hash, key=key if keyed else None, **fields) == stored
        if prev_hash != prev:
            if prev_hash == before_prev and previous_row is not None:
                return ChainProblem(
                    seq - 1,
                    "inserted",
                    f"event #{seq - 1} was inserted: #{seq} links past it to #{seq - 2}",
                )
            if own_ok:
                return ChainProblem(
                    seq - 1,
                    "altered",
                    f"event #{seq - 1} was rewritten: #{seq} still links to the original",
                )
            return ChainProblem(seq, "altered", f"event #{seq} was altered after it was written")
        if not own_ok:
            if keyed and event_hash(prev_hash=prev_hash, **fields) == stored:
                return ChainProblem(
                    seq,
                    "altered",
                    f"event #{seq} is not sealed with the audit key: it was "
                    "rewritten by someone without it",
                )
            return ChainProblem(seq, "altered", f"event #{seq} was altered after it was written")
        checkpoint = expected.get(seq)
        if checkpoint is not None:
            if checkpoint.hash != stored:
                since = f"#{passed[-1].seq}" if passed else "the first event"
                return ChainProblem(
                    seq,
                    "checkpoint",
                    f"the chain up to #{seq} differs from the checkpoint "
                    f"signed {checkpoint.signed_at}: an event after {since} "
                    f"and up to #{seq} was rewritten",
                )
            passed.append(checkpoint)
        before_prev, prev, previous_row = prev, stored, seq
        expected_seq += 1
    last = expected_seq - 1
    beyond = [c for c in checkpoints if c.seq > last]
    if beyond:
        c = min(beyond, key=lambda c: c.seq)
        return ChainProblem(
            last + 1,
            "missing",
            f"events #{last + 1}…#{c.seq} are missing "
            f"(a checkpoint signed {c.signed_at} saw #{c.seq})",
        )
    if last < head_seq:
        return ChainProblem(
            expected_seq, "missing", f"events #{expected_seq}…#{head_seq} are missing"
        )
    if last > head_seq or prev != head_hash:
        return ChainProblem(last, "inserted", "events were added outside Shouwang")
    return None

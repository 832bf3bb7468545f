"""Hashing and verification of the timeline chain; no Django writes here."""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS_HASH = "0" * 64


def canonical_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(*, prev_hash, seq, subject_type, subject_id, actor_id, actor_label, verb, data, at):
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
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


@dataclass
class ChainProblem:
    seq: int
    kind: str  # "altered" | "inserted" | "missing" | "truncated"
    detail: str


def verify_rows(rows, head_seq: int, head_hash: str) -> ChainProblem | None:
    """Walk events in seq order; return the first problem, or None when the chain is whole.

    `rows` yields tuples as stored; comparing each row's prev_hash with the hash we computed
    for its predecessor tells an insertion or removal from an edit of the row itself.
    """
    expected_seq = 1
    prev = GENESIS_HASH
    for seq, subject_type, subject_id, actor_id, actor_label, verb, data, at, prev_hash, stored in rows:
        if seq > expected_seq:
            return ChainProblem(expected_seq, "missing", f"event #{expected_seq} is missing")
        if seq < expected_seq:
            return ChainProblem(seq, "inserted", f"event #{seq} appears twice")
        if prev_hash != prev:
            return ChainProblem(seq, "inserted", f"event #{seq} does not follow #{seq - 1}")
        computed = event_hash(
            prev_hash=prev_hash, seq=seq, subject_type=subject_type, subject_id=subject_id,
            actor_id=actor_id, actor_label=actor_label, verb=verb, data=data, at=at,
        )
        if computed != stored:
            return ChainProblem(seq, "altered", f"event #{seq} was altered after it was written")
        prev = stored
        expected_seq += 1
    if expected_seq - 1 < head_seq:
        return ChainProblem(expected_seq, "missing", f"events #{expected_seq}…#{head_seq} are missing")
    if expected_seq - 1 > head_seq or prev != head_hash:
        return ChainProblem(expected_seq - 1, "inserted", "events were added outside Shouwang")
    return None

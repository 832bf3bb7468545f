"""The registry of obligation kinds: how an app puts its deadlines on the one engine.

The engine (sweep.py, auditor.py) knows no subject app. An app that owns a subject — reports
for acknowledgement routes, incidents for tasks, and every later module — registers, from its
AppConfig.ready():

- `register_batch(kind, sweep)`: a kind swept in batches. `sweep(now, worker_id, limit)` claims
  up to `limit` due deadlines of its kind (sweep.claim_due helps), acts, and returns how many it
  claimed; it runs in a loop until a batch comes back short. For kinds that arrive in bursts.
- `register_kind(kind, lock=…, act=…)`: a kind handled row by row. `lock(subject_id)` locks and
  returns the subject (or None: nothing to do); `act(deadline, subject, now)` acts and returns
  the outcome stored on the deadline. The engine claims the deadline (compare-and-set) between
  the two, in one transaction with the act and its events.
- `register_check(name, find=…, repair=…, warning=…)`: the auditor's look for what should have
  happened. `find()` returns the ids of subjects in a wrong state; `repair(now=…)` puts them
  right and returns how many it repaired (the worker runs it every minute); `warning` is what
  check-deploy says when `find()` returns any, with {n} for how many.

ARCHITECTURE.md walks through the reports route as the worked example.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RowKind:
    lock: Callable
    act: Callable


@dataclass(frozen=True)
class Check:
    name: str
    find: Callable[[], list]
    repair: Callable
    warning: str


BATCHES: dict[str, Callable] = {}
ROWS: dict[str, RowKind] = {}
CHECKS: dict[str, Check] = {}


def _new(kind: str):
    if kind in BATCHES or kind in ROWS:
        raise ValueError(f"deadline kind {kind!r} is registered twice")
    if len(kind) > 30:  # Deadline.kind's length
        raise ValueError(f"deadline kind {kind!r} is longer than 30 characters")


def register_batch(kind: str, sweep: Callable) -> None:
    _new(kind)
    BATCHES[kind] = sweep


def register_kind(kind: str, *, lock: Callable, act: Callable) -> None:
    _new(kind)
    ROWS[kind] = RowKind(lock, act)


def register_check(name: str, *, find: Callable[[], list], repair: Callable, warning: str) -> None:
    if name in CHECKS:
        raise ValueError(f"auditor check {name!r} is registered twice")
    CHECKS[name] = Check(name, find, repair, warning)

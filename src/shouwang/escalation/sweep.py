"""The deadline sweep: claim, act, record (DESIGN "Patterns to copy"). The engine knows no
subject app: each app registers its kinds in kinds.py. Batch kinds (report acknowledgements
and routes, which arrive in bursts) are swept first, `limit` subjects per transaction until a
batch comes back short; row kinds (incident tasks, …) follow one row per transaction: the
subject locked first, then the deadline claimed with a compare-and-set update, then the act and
its events, all in one transaction. A crash rolls the transaction back, so its deadlines are
simply claimed again; a second worker's claim finds the rows no longer open.
"""

import os
import socket

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shouwang.audit.services import batched_events

from . import kinds
from .models import Deadline

SWEEP_WINDOW = 4  # batches' worth of due deadlines listed at once (see due_window)


def due_window(kind, now, limit) -> list[tuple]:
    """(deadline pk, subject id) of open `kind` deadlines due by `now`: a window several batches
    deep, so that a second worker, finding the first `limit` subjects locked by the first, takes
    the next ones instead of none."""
    return list(
        Deadline.objects.filter(kind=kind, state=Deadline.State.OPEN, due_at__lte=now)
        .order_by("due_at")
        .values_list("pk", "subject_id")[: limit * SWEEP_WINDOW]
    )


def claim_done(candidates, *, token, now) -> list[Deadline]:
    """In the caller's transaction, after it locked the subjects: claim the open deadlines among
    `candidates` (pks) for this batch's `token` and return them (ordered by subject and step).
    Claimed straight to done: claim and act commit together or not at all, so "claimed" would
    never be seen by anyone else, and one write of the indexed state is enough (the outcome,
    written last with deadlines_outcome, touches no index)."""
    Deadline.objects.filter(pk__any_of=candidates, state=Deadline.State.OPEN).update(
        state=Deadline.State.DONE,
        claimed_by=token,
        claimed_at=now,
        done_at=now,
        attempts=F("attempts") + 1,
    )
    return list(
        Deadline.objects.filter(pk__any_of=candidates, claimed_by=token, state=Deadline.State.DONE)
        .only("id", "subject_id", "fence", "due_at")
        .order_by("subject_id", "fence")
    )


def deadlines_outcome(outcomes: dict[str, list[int]]) -> None:
    """Store each claimed deadline's outcome ({outcome: [deadline pks]}), in the batch's
    transaction."""
    for outcome, pks in outcomes.items():
        Deadline.objects.filter(pk__any_of=pks).update(outcome=outcome)


def _sweep_rows(now, worker_id, limit) -> int:
    due = list(
        Deadline.objects.filter(state=Deadline.State.OPEN, due_at__lte=now)
        .exclude(kind__in=list(kinds.BATCHES))
        .order_by("due_at")
        .values_list("pk", "kind", "subject_id")[:limit]
    )
    done = 0
    for pk, kind, subject_id in due:
        handler = kinds.ROWS[kind]
        with transaction.atomic(), batched_events():
            subject = handler.lock(subject_id)
            if subject is None:
                continue
            # Compare-and-set: exactly one transaction moves the row out of "open".
            claimed = Deadline.objects.filter(pk=pk, state=Deadline.State.OPEN).update(
                state=Deadline.State.CLAIMED,
                claimed_by=worker_id,
                claimed_at=now,
                attempts=F("attempts") + 1,
            )
            if claimed != 1:
                continue
            deadline = Deadline.objects.get(pk=pk)
            outcome = handler.act(deadline, subject, now)
            Deadline.objects.filter(pk=pk).update(
                state=Deadline.State.DONE, done_at=now, outcome=outcome
            )
            done += 1
    return done


def deadline_sweep(*, now=None, worker_id=None, limit=500, max_batches=None) -> int:
    """Act on open deadlines due by `now`: each batch kind (in the order registered) `limit`
    subjects per transaction until none is left (or `max_batches` of each were done), then the
    row kinds. Safe to run in any number of workers."""
    now = now or timezone.now()
    worker_id = (
        worker_id or f"{socket.gethostname()}-{os.getpid()}"
    )  # claimed_by says which process
    # Most ticks find nothing due: ask that once (the partial index on open rows answers it),
    # not once per kind.
    if not Deadline.objects.filter(state=Deadline.State.OPEN, due_at__lte=now).exists():
        return 0
    done = 0
    for sweep in kinds.BATCHES.values():
        batches = 0
        while max_batches is None or batches < max_batches:
            batch = sweep(now, worker_id, limit)
            done, batches = done + batch, batches + 1
            if batch < limit:
                break
    return done + _sweep_rows(now, worker_id, limit)

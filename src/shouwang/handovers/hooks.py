"""What the apps above handovers do when a class passes to a new holder (care: its files'
dedicated owner moves). Called inside handover_open's transaction.

`register_on_handover(fn, labels={key: lazy label})`: `fn(*, handover, class_ids, from_person,
to_person, actor, now)` returns a dict of counts (e.g. {"care_files": 3}); they are merged,
kept on the handover (`Handover.moved`), recorded on its event and returned to handover_open.
The counts with a label are shown on the handover page and in the new holder's message.
"""

from collections.abc import Callable

ON_HANDOVER: list[Callable] = []
LABELS: dict[str, object] = {}


def register_on_handover(fn: Callable, *, labels: dict[str, object] | None = None) -> Callable:
    if fn not in ON_HANDOVER:
        ON_HANDOVER.append(fn)
    LABELS.update(labels or {})
    return fn


def handed_over(**kwargs) -> dict[str, int]:
    counts: dict[str, int] = {}
    for fn in ON_HANDOVER:
        for key, n in (fn(**kwargs) or {}).items():
            counts[key] = counts.get(key, 0) + int(n)
    return counts


def moved_lines(counts: dict) -> list[tuple[str, int]]:
    """[(label, n)] for the labelled counts, in registration order."""
    return [(str(label), int(counts[key])) for key, label in LABELS.items() if key in counts]

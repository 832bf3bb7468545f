"""What the apps above handovers do when a class passes to a new holder (care: its files'
dedicated owner moves). Called inside handover_open's transaction.

`register_on_handover(fn)`: `fn(*, handover, class_ids, from_person, to_person, actor, now)`
returns a dict of counts (e.g. {"care_files": 3}); they are merged, recorded on the handover's
event and returned to handover_open.
"""

from collections.abc import Callable

ON_HANDOVER: list[Callable] = []


def register_on_handover(fn: Callable) -> Callable:
    if fn not in ON_HANDOVER:
        ON_HANDOVER.append(fn)
    return fn


def handed_over(**kwargs) -> dict[str, int]:
    counts: dict[str, int] = {}
    for fn in ON_HANDOVER:
        for key, n in (fn(**kwargs) or {}).items():
            counts[key] = counts.get(key, 0) + int(n)
    return counts

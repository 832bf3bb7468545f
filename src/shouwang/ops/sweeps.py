"""Periodic jobs the worker runs every tick. Apps register a function taking `now`.

Each sweep claims its own due rows (compare-and-set), so any number of workers may run them.
"""

SWEEPS: list = []


def register_sweep(func):
    SWEEPS.append(func)
    return func

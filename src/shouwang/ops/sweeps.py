"""Periodic jobs the worker runs. Apps register a function taking `now`, and how often it
should run (every tick by default).

Each sweep claims its own due rows (compare-and-set), so any number of workers may run them.
"""

SWEEPS: list = []


def register_sweep(func=None, *, every_seconds: float = 0):
    def add(f):
        f.sweep_every_seconds = every_seconds
        SWEEPS.append(f)
        return f
    return add(func) if func is not None else add

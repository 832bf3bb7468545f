"""Periodic jobs the worker runs, and what `check-deploy` asks of the apps. Apps register a
function taking `now`, and how often it should run (every tick by default); and health checks
returning warnings (the deadline auditor's findings, …), so that this bottom layer needs to
know none of them.

Each sweep claims its own due rows (compare-and-set), so any number of workers may run them.
"""

SWEEPS: list = []


def every(seconds: float, func):
    """Mark func(now=…) to run at most once per `seconds` (0: every tick)."""
    func.sweep_every_seconds = seconds
    return func


def register_sweep(func=None, *, every_seconds: float = 0):
    def add(f):
        SWEEPS.append(every(every_seconds, f))
        return f

    return add(func) if func is not None else add


HEALTH_CHECKS: list = []


def register_health_check(func):
    """func() → list of warnings (plain strings) for `check-deploy`."""
    HEALTH_CHECKS.append(func)
    return func

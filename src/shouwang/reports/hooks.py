"""What apps built on reports add to a report's page and do when a report is decided,
registered from their AppConfig.ready() so that reports imports none of them (incidents: the
plan-activation button and the incidents opened from the report; aftermath: a major report
handled locally opens its aftermath).

`register_page_context(extra)`: `extra(viewer, report)` → a dict merged into the report page's
context. The page's defaults say "nothing to add": `can_activate_plan` False, `incidents` empty.

`register_on_decide(fn)`: `fn(actor=…, report=…, decision=…, now=…)` runs inside
`report_decide`'s transaction, after the decision and its event are recorded.
"""

from collections.abc import Callable

PAGE_CONTEXT: list[Callable] = []
ON_DECIDE: list[Callable] = []
PAGE_DEFAULTS = {"can_activate_plan": False, "incidents": ()}


def register_page_context(extra: Callable) -> None:
    PAGE_CONTEXT.append(extra)


def page_context(viewer, report) -> dict:
    context = dict(PAGE_DEFAULTS)
    for extra in PAGE_CONTEXT:
        context.update(extra(viewer, report))
    return context


def register_on_decide(fn: Callable) -> None:
    if fn not in ON_DECIDE:
        ON_DECIDE.append(fn)


def decided(*, actor, report, decision: str, now) -> None:
    for fn in ON_DECIDE:
        fn(actor=actor, report=report, decision=decision, now=now)

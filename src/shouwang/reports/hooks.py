"""What apps built on reports add to a report's page, registered from their AppConfig.ready()
so that reports imports none of them (incidents: the plan-activation button and the incidents
opened from the report).

`register_page_context(extra)`: `extra(viewer, report)` → a dict merged into the report page's
context. The page's defaults say "nothing to add": `can_activate_plan` False, `incidents` empty.
"""

from collections.abc import Callable

PAGE_CONTEXT: list[Callable] = []
PAGE_DEFAULTS = {"can_activate_plan": False, "incidents": ()}


def register_page_context(extra: Callable) -> None:
    PAGE_CONTEXT.append(extra)


def page_context(viewer, report) -> dict:
    context = dict(PAGE_DEFAULTS)
    for extra in PAGE_CONTEXT:
        context.update(extra(viewer, report))
    return context

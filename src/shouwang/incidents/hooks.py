"""What apps built on incidents do when an incident closes, registered from their
AppConfig.ready() so that incidents imports none of them (aftermath: opens the aftermath and
starts the 复盘 review).

`register_on_close(fn)`: `fn(actor=…, incident=…, now=…)` runs inside the closing transaction,
after the incident is marked closed and its `incident.closed` event is recorded; an error it
raises rolls the closing back, so an incident never closes without what must follow it.
"""

from collections.abc import Callable

ON_CLOSE: list[Callable] = []


def register_on_close(fn: Callable) -> None:
    if fn not in ON_CLOSE:
        ON_CLOSE.append(fn)


def closed(*, actor, incident, now) -> None:
    for fn in ON_CLOSE:
        fn(actor=actor, incident=incident, now=now)


# -- links on the incident's page ----------------------------------------------------------
# `register_page_links(fn)`: `fn(viewer, incident)` → a list of {"label": …, "url": …}, only
# the links this viewer may follow (aftermath: 善后 and 复盘; documents: 综合报告/复盘报告).
# The board shows them as they come; the rule behind each is the registering app's.

PAGE_LINKS: list[Callable] = []


def register_page_links(fn: Callable) -> None:
    if fn not in PAGE_LINKS:
        PAGE_LINKS.append(fn)


def page_links(viewer, incident) -> list[dict]:
    links: list[dict] = []
    for fn in PAGE_LINKS:
        links.extend(fn(viewer, incident))
    return links

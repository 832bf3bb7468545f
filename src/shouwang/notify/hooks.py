"""What the apps that own subjects add to notify, registered from their AppConfig.ready(), so
that notify knows none of their kinds:

- `register_action_links(kind, make)`: messages of this kind carry a one-tap action link (a
  report's 确认收到). `make(deliveries, now)` → {delivery pk: absolute URL}, called in the
  sending transaction for the batch's deliveries of that kind (their `.message` loaded).
- `register_inbox_section(render)`: a section at the top of the inbox page (what the person
  still has to do: reports to acknowledge, …). `render(request)` → HTML, or "" for nothing.
"""

from collections.abc import Callable

ACTION_LINKS: dict[str, Callable] = {}
INBOX_SECTIONS: list[Callable] = []


def register_action_links(kind: str, make: Callable) -> None:
    if kind in ACTION_LINKS:
        raise ValueError(f"action links for message kind {kind!r} are registered twice")
    ACTION_LINKS[kind] = make


def register_inbox_section(render: Callable) -> None:
    INBOX_SECTIONS.append(render)

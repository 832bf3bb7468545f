"""What the apps that own subjects add to notify, registered from their AppConfig.ready(), so
that notify knows none of their kinds:

- `register_action_links(kind, make)`: messages of this kind carry a one-tap action link (a
  report's 确认收到). `make(deliveries, now)` → {delivery pk: absolute URL}, called in the
  sending transaction for the batch's deliveries of that kind (their `.message` loaded).
- `register_inbox_section(render)`: a section at the top of the inbox page (what the person
  still has to do: reports to acknowledge, …). `render(request)` → HTML, or "" for nothing.
- `register_group_summary(subject_type, summarise)`: what a group robot may say about a message:
  a line without any student's name, number or phone, because everyone in the group reads it
  (seed 003, 保护学生隐私). An unregistered subject gets a line that says nothing about it.
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


_SUMMARIES: dict[str, Callable[[str], str]] = {}
GENERIC = "守望有 1 条新消息，请在守望中查看"


def register_group_summary(subject_type: str, summarise: Callable[[str], str]) -> None:
    """summarise(subject id) → one privacy-safe line, or "" for the generic one."""
    _SUMMARIES[subject_type] = summarise


def group_summary(message) -> str:
    summarise = _SUMMARIES.get(message.subject_type)
    return (summarise(message.subject_id) if summarise else "") or GENERIC

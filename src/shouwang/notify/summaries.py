"""What a group robot may say about a message: a line without any student's name, number or
phone, because everyone in the group reads it (seed 003, 保护学生隐私). The app owning a subject
registers how to summarise it; an unregistered subject gets a line that says nothing about it."""

from collections.abc import Callable

_SUMMARIES: dict[str, Callable[[str], str]] = {}
GENERIC = "守望有 1 条新消息，请在守望中查看"


def register_group_summary(subject_type: str, summarise: Callable[[str], str]) -> None:
    """summarise(subject id) → one privacy-safe line, or "" for the generic one."""
    _SUMMARIES[subject_type] = summarise


def group_summary(message) -> str:
    summarise = _SUMMARIES.get(message.subject_type)
    return (summarise(message.subject_id) if summarise else "") or GENERIC

"""What apps beside or above aftermath add to it, registered from their AppConfig.ready() so
that aftermath imports none of them.

- `register_review_facts(fn)`: `fn(incident)` → a dict merged into a review's pre-filled facts
  when it starts or is refreshed. accountability registers its findings for the incident as
  {"findings": [{"kind", "person", "unit", "state", "summary", "events"}, …]}; the 责任界定
  section is written from them. Without it the review says no findings were recorded.
- `register_action_source(source_type, may_issue=…, label=…, url=…)`: a kind of thing that
  issues corrective actions (a review here; drills, hazard campaigns, directives later).
  `may_issue(person, source_id)` → bool, `label(source_id)` → str, `url(source_id)` → str.
"""

from collections.abc import Callable
from dataclasses import dataclass

REVIEW_FACTS: list[Callable] = []


@dataclass(frozen=True)
class ActionSource:
    may_issue: Callable
    label: Callable
    url: Callable


ACTION_SOURCES: dict[str, ActionSource] = {}


def register_review_facts(fn: Callable) -> None:
    if fn not in REVIEW_FACTS:
        REVIEW_FACTS.append(fn)


def review_facts(incident) -> dict:
    facts: dict = {}
    for fn in REVIEW_FACTS:
        facts.update(fn(incident))
    return facts


def register_action_source(
    source_type: str, *, may_issue: Callable, label: Callable, url: Callable
) -> None:
    ACTION_SOURCES[source_type] = ActionSource(may_issue, label, url)

"""Every write after an incident: permission, change and timeline event in one transaction.
Bad input raises ValidationError (Chinese, field → messages) and changes nothing.

Events: the aftermath's investigation and items are recorded against the aftermath; the
review's against the review; a corrective action's against the action. Opening the aftermath
is also recorded on the incident's (or report's) own timeline.

Where things are (import them from here, `shouwang.aftermath.services`):
- `opening.py`: opening an aftermath from the incidents and reports hooks —
  `on_incident_closed` (aftermath and review), `on_report_decided` (a 重大/特别重大 report
  handled locally), MAJOR.
- `investigation.py`: `investigation_save`, `item_update`.
- `review.py`: the 复盘 review — `review_start` (called by the opening), `review_section_save`,
  `review_refresh_facts`, `review_sign_off`, `review_amend`; REVIEW_SOURCE, the review's
  source type for corrective actions.
- `actions.py`: corrective actions — `action_issue`, `action_progress`, `action_submit`,
  `action_inspect`.
- `common.py`: the checks they share — text fields (MAX_TEXT) and uploads (MAX_FILES)."""

from .actions import action_inspect, action_issue, action_progress, action_submit
from .common import MAX_FILES, MAX_TEXT
from .investigation import investigation_save, item_update
from .opening import MAJOR, on_incident_closed, on_report_decided
from .review import (
    REVIEW_SOURCE,
    review_amend,
    review_refresh_facts,
    review_section_save,
    review_sign_off,
    review_start,
)

__all__ = [
    "MAJOR",
    "MAX_FILES",
    "MAX_TEXT",
    "REVIEW_SOURCE",
    "action_inspect",
    "action_issue",
    "action_progress",
    "action_submit",
    "investigation_save",
    "item_update",
    "on_incident_closed",
    "on_report_decided",
    "review_amend",
    "review_refresh_facts",
    "review_section_save",
    "review_sign_off",
    "review_start",
]

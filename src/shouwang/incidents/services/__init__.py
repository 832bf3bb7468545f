"""Every write to an incident. Each function checks permission, validates (a clear error that
changes nothing), and records its timeline events in the same transaction. Timeline events are
recorded against the incident, so its board and timeline read one subject.

Where things are (import them from here, `shouwang.incidents.services`):
- `opening.py`: `incident_activate` (from a plan's current version, R-PLAN-3),
  `incident_level_change`.
- `response.py`: the work while it is open — `task_complete`, `decision_record`,
  `situation_add`, `arrival_record`, `outbound_report_record`.
- `publicity.py`: statements and the press — `release_draft`, `release_publish`,
  `media_request_log`, `media_request_decide`.
- `closing.py`: `incident_close` (and, in its transaction, what follows a closing).
- `common.py`: what they share — `incident_url`, the notification, the open-incident check."""

from .closing import incident_close
from .common import incident_url
from .opening import incident_activate, incident_level_change
from .publicity import media_request_decide, media_request_log, release_draft, release_publish
from .response import (
    arrival_record,
    decision_record,
    outbound_report_record,
    situation_add,
    task_complete,
)

__all__ = [
    "arrival_record",
    "decision_record",
    "incident_activate",
    "incident_close",
    "incident_level_change",
    "incident_url",
    "media_request_decide",
    "media_request_log",
    "outbound_report_record",
    "release_draft",
    "release_publish",
    "situation_add",
    "task_complete",
]

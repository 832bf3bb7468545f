"""Every write to a report: permission, change and timeline event in one transaction.

Where things are (import them from here, `shouwang.reports.services`):
- `filing.py`: `report_file` (a person's report is routed at once, an integration's by the
  worker), `report_file_errors` (every problem the form's fields have, writing nothing),
  `report_update_add` (facts added later).
- `handling.py`: what the people a report reaches do with it — `report_acknowledge` (the one
  entry point), `report_verify`, `report_decide`, `report_severity_change`,
  `report_plan_activated` (called by the incidents app), `report_external_record`.
- `automatic.py`: reports raised by rules — `reports_file_automatic` (one batch, deduplicated
  by key, at most MAX_AUTOMATIC_BATCH), `report_resolve_automatic`."""

from .automatic import MAX_AUTOMATIC_BATCH, report_resolve_automatic, reports_file_automatic
from .filing import report_file, report_file_errors, report_update_add
from .handling import (
    report_acknowledge,
    report_decide,
    report_external_record,
    report_plan_activated,
    report_severity_change,
    report_verify,
)

__all__ = [
    "MAX_AUTOMATIC_BATCH",
    "report_acknowledge",
    "report_decide",
    "report_external_record",
    "report_file",
    "report_file_errors",
    "report_plan_activated",
    "report_resolve_automatic",
    "report_severity_change",
    "report_update_add",
    "report_verify",
    "reports_file_automatic",
]

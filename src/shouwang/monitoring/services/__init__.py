"""Every write of monitoring: dorm-round marks, trace batches (API, gate exports), check-ins,
vendor formats and rules. Each checks permission and records its timeline event in the same
transaction; a batch of traces is ONE event on its batch, never one per trace.

Where things are (import them from here, `shouwang.monitoring.services`):
- `checkins.py`: check-ins — `round_mark` (one tap of a dorm round; who may: `may_mark`),
  `checkins_record` (an integration's or a dorm app's batch, all or none); ROUND_STATUSES.
- `traces.py`: traces and their batches — `traces_resolve` (checks the events and finds their
  students), `traces_store` (bulk, ONE event on the batch; also used by the gate-export import,
  `monitoring/gate_import.py`), `traces_ingest` (POST /api/v1/traces); TRACE_SOURCES,
  DIRECTIONS, TRACE_COLUMNS.
- `cards.py`: what an import needs to know — `card_numbers_set` (card number → 学号) and
  `vendor_format_save` (a gate vendor's export columns; VENDOR_FIELDS).
- `rule_edits.py`: the rules' settings (学生处) — `rule_save`, `rule_errors`,
  `rules_install_defaults`, `parse_cutoff`. (The rules' runs are `monitoring/rules.py`.)
- `common.py`: what they share — MAX_BATCH, MAX_ERRORS, SOURCE_LABELS, and `_record_present`,
  the check-ins of students seen present with the leave app's 销假 hook and the rules' open
  reports resolved."""

from .cards import VENDOR_FIELDS, card_numbers_set, vendor_format_save
from .checkins import ROUND_STATUSES, checkins_record, may_mark, round_mark
from .common import MAX_BATCH, MAX_ERRORS, SOURCE_LABELS
from .rule_edits import parse_cutoff, rule_errors, rule_save, rules_install_defaults
from .traces import (
    DIRECTIONS,
    TRACE_COLUMNS,
    TRACE_SOURCES,
    traces_ingest,
    traces_resolve,
    traces_store,
)

__all__ = [
    "DIRECTIONS",
    "MAX_BATCH",
    "MAX_ERRORS",
    "ROUND_STATUSES",
    "SOURCE_LABELS",
    "TRACE_COLUMNS",
    "TRACE_SOURCES",
    "VENDOR_FIELDS",
    "card_numbers_set",
    "checkins_record",
    "may_mark",
    "parse_cutoff",
    "round_mark",
    "rule_errors",
    "rule_save",
    "rules_install_defaults",
    "traces_ingest",
    "traces_resolve",
    "traces_store",
    "vendor_format_save",
]

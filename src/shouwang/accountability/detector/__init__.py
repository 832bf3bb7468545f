"""The detector: findings read from the record, never typed in (R-AFTER-4). Each rule reads
what reports, the route, the engine and incidents wrote, and proposes findings keyed by (kind,
subject, person); `detect` stores those not yet stored, with a `finding.detected` event each,
in one transaction. Run by the worker (`detector_sweep`), by 学生处's button and by
`shouwang detect-accountability`; a rerun finds the same keys and writes nothing.

The rules (the page shows them in words too):
- 迟报: filed more than the limit (ReportingLimit, category × severity) after it occurred.
- 漏报: the school heard of it from above or outside — a person outside the unit's chain filed
  it (an office, a leader, relaying police or parents), or it is a 舆情 category — and no one in
  the unit's chain had filed a report of that category about the unit within 12 hours before;
  against the holders, on the day it occurred, of the route's posts in the unit's chain.
- 瞒报: closed or handled locally while the route never reached the level the severity
  requires (ReportingLimit.required_at; the frozen route and its recipients say what was
  reached). Not when the decision was made at that level or above (the office approved it).
  A downgrade (report.severity_changed) the office did not approve does not lower the level
  required: such a downgrade is 瞒报 too once the route has stopped short of it (acknowledged
  below it, or exhausted). An approved downgrade (学生处, the school's leaders) does.
- 虚报/谎报: verified false; or, after it was verified true, an update or the incident's
  situation changed a fact materially: the number of people (by half and at least 2), the
  time it happened (by more than MATERIAL_TIME_SHIFT) or the place (whitespace and case
  aside).
- 未及时到位: a person asked to acknowledge missed the deadline (the engine's
  Recipient.missed_at), or the owner of an on-scene step of a plan (step ids ending in
  `_on_scene` / `_to_scene`) arrived after its due time, or not at all once it was due.
"""

from .common import MATERIAL_TIME_SHIFT, Proposal
from .run import detect, detector_sweep, propose

__all__ = ["MATERIAL_TIME_SHIFT", "Proposal", "detect", "detector_sweep", "propose"]

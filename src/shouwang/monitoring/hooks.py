"""What apps built on monitoring tell it, registered from their AppConfig.ready() so that
monitoring imports none of them (leave: approved leave and off-campus lodging excuse a student
from the night scan and the 失联 rule; a check-in closes a leave that has ended, 销假).

`register_excuse(fn)`: `fn(student_ids, start, end)` → `{student_id: status}` for the students
excused at some time in [start, end), `status` one of `EXCUSED_STATUSES`. The rules ask every
registered function and treat a student as excused if any says so.

`register_on_checkin(fn)`: `fn(checkins=[(student_id, at, source), …], now=…)` runs inside the
transaction that records check-ins present on campus (a dorm round's "present", a gate "in",
an API batch), after they are written.
"""

from collections.abc import Callable, Iterable

ON_LEAVE = "on_leave"
OFF_CAMPUS = "off_campus"
EXCUSED_STATUSES = (ON_LEAVE, OFF_CAMPUS)

EXCUSES: list[Callable] = []
ON_CHECKIN: list[Callable] = []


def register_excuse(fn: Callable) -> None:
    if fn not in EXCUSES:
        EXCUSES.append(fn)


def excused(student_ids: Iterable[int], start, end) -> dict[int, str]:
    ids = set(student_ids)
    found: dict[int, str] = {}
    for fn in EXCUSES:
        for student_id, status in fn(ids, start, end).items():
            found.setdefault(student_id, status)
    return found


def register_on_checkin(fn: Callable) -> None:
    if fn not in ON_CHECKIN:
        ON_CHECKIN.append(fn)


def checked_in(*, checkins, now) -> None:
    for fn in ON_CHECKIN:
        fn(checkins=checkins, now=now)

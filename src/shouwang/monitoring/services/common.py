"""What the monitoring writes share: the batch limits (MAX_BATCH events per request,
MAX_ERRORS bad ones named in a refusal), SOURCE_LABELS, the clock (`_now`) and
`_record_present`: the check-ins of students seen present (a dorm round, a gate passage
inward, an integration's batch), with the leave app's 销假 hook and the rules' open reports
resolved."""

from collections import defaultdict

from django.utils import timezone

from shouwang.audit.services import rows_insert
from shouwang.sheets.lookup import values_in

from .. import hooks, nights, resolving
from ..models import CheckIn

MAX_BATCH = 10_000  # trace events per API request
MAX_ERRORS = 20  # bad events named in a refusal
SOURCE_LABELS = {
    "gate": "门禁",
    "card": "校园卡",
    "library": "图书馆门禁",
    "network": "网络登录",
    "round": "查寝",
    "api": "接口",
    "other": "其他",
}


def _now(now):
    return now or timezone.now()


def _record_present(rows: list[tuple], *, source: str, now) -> int:
    """rows: [(student pk, at, place, by pk)] seen present. Upserts each night's check-in (a
    present one stays as first seen), runs the leave app's 销假 hook and resolves the rules'
    open reports. In the caller's transaction."""
    if not rows:
        return 0
    first: dict[tuple, tuple] = {}
    for student_id, at, place, by_id in rows:
        key = (nights.night_of(at), student_id)
        if key not in first or at < first[key][0]:
            first[key] = (at, place, by_id)
    by_night = defaultdict(list)
    for night, student_id in first:
        by_night[night].append(student_id)
    existing: dict[tuple, tuple] = {}
    for night, ids in by_night.items():
        for pk, student_id, status in values_in(
            CheckIn.objects.filter(night=night), "student_id", ids, "pk", "student_id", "status"
        ):
            existing[(night, student_id)] = (pk, status)
    new, upgrade = [], defaultdict(list)
    for (night, student_id), (at, place, by_id) in first.items():
        known = existing.get((night, student_id))
        if known is None:
            new.append(
                {
                    "student_id": student_id,
                    "night": night,
                    "status": CheckIn.Status.PRESENT,
                    "source": source,
                    "at": at,
                    "by_id": by_id,
                    "place": place[:100],
                }
            )
        elif known[1] != CheckIn.Status.PRESENT:
            upgrade[(at, place, by_id)].append(known[0])
    rows_insert(CheckIn, new)
    for (at, place, by_id), pks in upgrade.items():
        CheckIn.objects.filter(pk__in=pks).update(
            status=CheckIn.Status.PRESENT, source=source, at=at, by_id=by_id, place=place[:100]
        )
    seen = [(student_id, at, source) for (_n, student_id), (at, _p, _b) in first.items()]
    hooks.checked_in(checkins=seen, now=now)
    label = SOURCE_LABELS.get(source, source)
    resolving.resolve_for([(s, at, label) for s, at, _src in seen], now)
    return len(new) + sum(len(p) for p in upgrade.values())

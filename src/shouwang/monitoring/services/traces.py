"""Traces and their batches: `traces_resolve` checks the events and finds their
students, `traces_store` stores them in bulk with ONE event on their batch (gate passages
inward are that night's check-ins), `traces_ingest` is an integration's batch (POST
/api/v1/traces). TRACE_SOURCES, DIRECTIONS, TRACE_COLUMNS."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import batched_events, event_record, rows_insert
from shouwang.org import selectors as org
from shouwang.sheets.lookup import values_in

from ..models import CardNumber, CheckIn, Trace, TraceBatch
from .common import MAX_BATCH, MAX_ERRORS, _now, _record_present

# Plain sets: an enum's .values is rebuilt on every access, and a batch checks thousands.
TRACE_SOURCES = frozenset(Trace.Source.values)
DIRECTIONS = frozenset(Trace.Direction.values)


def _students_by_keys(actor, student_nos, card_nos) -> tuple[dict, dict]:
    """{学号: pk} and {card number: pk} of the students the actor may see."""
    visible = org.students_visible(actor)
    by_no = dict(values_in(visible, "student_no", student_nos, "student_no", "pk"))
    by_card = {}
    if card_nos:
        cards = dict(
            values_in(CardNumber.objects.all(), "card_no", card_nos, "card_no", "student_id")
        )
        allowed = set(values_in(visible, "pk", set(cards.values()), "pk"))
        allowed_ids = {pk for (pk,) in allowed}
        by_card = {c: pk for c, pk in cards.items() if pk in allowed_ids}
    return by_no, by_card


def _check_event(i, e, now, errors, window=True):
    if not (e.get("student_no") or e.get("card_no")):
        errors.append(f"#{i}: " + _("give student_no or card_no."))
        return False
    at = e.get("at")
    if not isinstance(at, datetime.datetime) or timezone.is_naive(at):
        errors.append(f"#{i}: " + _("'at' must be a date and time with its zone."))
        return False
    if window and (
        at > now + datetime.timedelta(minutes=10) or at < now - datetime.timedelta(days=60)
    ):
        errors.append(f"#{i}: " + _("'at' is in the future or more than 60 days ago."))
        return False
    if (e.get("source_type") or "gate") not in TRACE_SOURCES:
        errors.append(
            f"#{i}: "
            + _("unknown source_type %(value)s (%(known)s).")
            % {"value": e.get("source_type"), "known": ", ".join(sorted(TRACE_SOURCES))}
        )
        return False
    if (e.get("direction") or "") not in DIRECTIONS:
        errors.append(f"#{i}: " + _("direction must be in, out or empty."))
        return False
    return True


def traces_resolve(
    *, actor, events: list[dict], now, errors: list, label=None, window=True
) -> list:
    """The events with their students, or [] after listing in `errors` every bad one (by index,
    or `label(i)`). Unknown 学号/card numbers are bad: a trace of nobody says nothing."""
    label = label or (lambda i: f"#{i}")
    good = [e for i, e in enumerate(events) if _check_event(i, e, now, errors, window)]
    if errors:
        return []
    by_no, by_card = _students_by_keys(
        actor,
        {e["student_no"] for e in good if e.get("student_no")},
        {e["card_no"] for e in good if not e.get("student_no") and e.get("card_no")},
    )
    resolved = []
    for i, e in enumerate(events):
        key = e.get("student_no")
        pk = by_no.get(key) if key else by_card.get(e.get("card_no"))
        if pk is None:
            errors.append(
                f"{label(i)}: "
                + (
                    _("unknown student number %(no)s.") % {"no": key}
                    if key
                    else _("unknown card number %(no)s.") % {"no": e.get("card_no")}
                )
            )
            continue
        resolved.append((pk, e))
    return [] if errors else resolved


TRACE_COLUMNS = ("student_id", "at", "source_type", "place", "direction", "batch_id")


def _traces_insert(rows: list[tuple]) -> None:
    """Traces in bulk: COPY on PostgreSQL (audit.rows_insert); elsewhere one prepared INSERT run
    for all rows (bulk_create built a model instance per trace: most of a 100,000-row import)."""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql" or len(rows) < 50:
        rows_insert(Trace, [dict(zip(TRACE_COLUMNS, row, strict=True)) for row in rows])
        return
    q = connection.ops.quote_name
    sql = (
        f"INSERT INTO {q(Trace._meta.db_table)} ({', '.join(q(c) for c in TRACE_COLUMNS)})"
        f" VALUES ({', '.join(['%s'] * len(TRACE_COLUMNS))})"
    )
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(r[0], adapt(r[1]), *r[2:]) for r in rows])


def traces_store(*, actor, resolved: list, source: str, source_type: str, now) -> TraceBatch:
    """Store checked traces in bulk (COPY on PostgreSQL) with ONE event on their batch; gate
    passages inward are that night's check-ins. In the caller's transaction."""
    person = actor if getattr(actor, "pk", None) else None
    batch = TraceBatch.objects.create(
        source_type=source_type,
        source=source[:100],
        count=len(resolved),
        created_at=now,
        created_by=person,
    )
    _traces_insert(
        [
            (
                pk,
                e["at"],
                e.get("source_type") or source_type,
                (e.get("place") or "")[:100],
                e.get("direction") or "",
                batch.pk,
            )
            for pk, e in resolved
        ]
    )
    inward = [
        (pk, e["at"], (e.get("place") or "")[:100], None)
        for pk, e in resolved
        if (e.get("source_type") or source_type) == Trace.Source.GATE
        and e.get("direction") == Trace.Direction.IN
    ]
    checked = _record_present(inward, source=CheckIn.Source.GATE, now=now)
    times = [e["at"] for _pk, e in resolved]
    event_record(
        actor=person,
        subject=batch,
        verb="monitoring.traces_received",
        at=now,
        data={
            "source": source[:100],
            "source_type": source_type,
            "count": len(resolved),
            "students": len({pk for pk, _e in resolved}),
            "checkins": checked,
            "from": min(times).isoformat() if times else None,
            "to": max(times).isoformat() if times else None,
        },
    )
    return batch


def traces_ingest(*, actor, events: list[dict], source: str, source_type: str = "gate", now=None):
    """An integration's batch (POST /api/v1/traces): all events stored, or none. One bad event
    refuses the whole batch; the refusal names each bad event by its index (the first 20)."""
    now = _now(now)
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    if not events:
        raise ValidationError({"events": [_("The batch has no events.")]})
    if len(events) > MAX_BATCH:
        raise ValidationError({"events": [_("At most %(n)d events per batch.") % {"n": MAX_BATCH}]})
    errors: list[str] = []
    resolved = traces_resolve(actor=actor, events=events, now=now, errors=errors)
    if errors:
        raise ValidationError({"events": errors[:MAX_ERRORS]})
    with transaction.atomic(), batched_events():
        return traces_store(
            actor=actor, resolved=resolved, source=source, source_type=source_type, now=now
        )

"""Every write of monitoring: dorm-round marks, trace batches (API, gate exports), check-ins,
vendor formats and rules. Each checks permission and records its timeline event in the same
transaction; a batch of traces is ONE event on its batch, never one per trace."""

import datetime
import re
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import batched_events, event_record, rows_insert
from shouwang.escalation.levels import Severity
from shouwang.org import selectors as org
from shouwang.org.models import Student, Unit
from shouwang.reports.models import Category
from shouwang.sheets.lookup import values_in

from . import hooks, nights, permissions, rules
from .models import CardNumber, CheckIn, Rule, Trace, TraceBatch, VendorFormat

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
ROUND_STATUSES = (CheckIn.Status.PRESENT, CheckIn.Status.ABSENT)
# Plain sets: an enum's .values is rebuilt on every access, and a batch checks thousands.
TRACE_SOURCES = frozenset(Trace.Source.values)
DIRECTIONS = frozenset(Trace.Direction.values)


def _now(now):
    return now or timezone.now()


# ---- presence: check-ins and the hooks ----------------------------------------------------------


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
    rules.resolve_for([(s, at, label) for s, at, _src in seen], now)
    return len(new) + sum(len(p) for p in upgrade.values())


def may_mark(actor, student: Student) -> bool:
    """The room's 宿舍长 or the building's 宿舍楼管理员 (or 学生处) for a resident."""
    if student.dorm_room_id is None:
        return False
    if permissions.can_edit_rules(actor):
        return org.students_visible(actor).filter(pk=student.pk).exists()
    room_path = Unit.objects.filter(pk=student.dorm_room_id).values_list("path", flat=True).first()
    if room_path is None:
        return False
    return any(room_path.startswith(p) for p in permissions.round_paths(actor))


def round_mark(*, actor, student: Student, status: str, now=None) -> CheckIn:
    """One tap of a dorm round: the student is in (present) or not (absent) tonight."""
    now = _now(now)
    if status not in ROUND_STATUSES:
        raise ValidationError({"status": [_("Mark present or absent.")]})
    if not may_mark(actor, student):
        raise PermissionDenied(_("You do not do the rounds of this student's room."))
    night = nights.night_of(now)
    with transaction.atomic(), batched_events():
        checkin = CheckIn.objects.select_for_update().filter(night=night, student=student).first()
        if status == CheckIn.Status.PRESENT:
            batch = TraceBatch.objects.create(
                source_type=Trace.Source.ROUND,
                source=actor.get_username(),
                count=1,
                created_at=now,
                created_by=actor,
            )
            room = student.dorm_room.label if student.dorm_room else ""
            Trace.objects.create(
                student=student, at=now, source_type=Trace.Source.ROUND, place=room, batch=batch
            )
            if checkin is not None and checkin.status == CheckIn.Status.PRESENT:
                # Marked again: keep the first time seen, record who confirmed.
                checkin.by, checkin.source = actor, CheckIn.Source.ROUND
                checkin.save(update_fields=["by", "source"])
            else:
                if checkin is not None:
                    checkin.delete()
                _record_present([(student.pk, now, room, actor.pk)], source="round", now=now)
            checkin = CheckIn.objects.get(night=night, student=student)
        else:
            if checkin is None:
                checkin = CheckIn(student=student, night=night)
            checkin.status, checkin.source, checkin.at, checkin.by = (
                CheckIn.Status.ABSENT,
                CheckIn.Source.ROUND,
                now,
                actor,
            )
            checkin.place = ""
            checkin.save()
        event_record(
            actor=actor,
            subject=checkin,
            verb="monitoring.round_marked",
            at=now,
            data={"student": student.student_no, "night": night.isoformat(), "status": status},
        )
    return checkin


# ---- traces ------------------------------------------------------------------------------------


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


def checkins_record(*, actor, checkins: list[dict], now=None) -> int:
    """An integration's (or a dorm app's) check-ins: {student_no, at, status present|absent,
    place}. All or none, like a trace batch. Present ones are traces too (失联 sees them)."""
    now = _now(now)
    if not checkins:
        raise ValidationError({"checkins": [_("The batch has no check-ins.")]})
    if len(checkins) > MAX_BATCH:
        raise ValidationError(
            {"checkins": [_("At most %(n)d check-ins per batch.") % {"n": MAX_BATCH}]}
        )
    errors: list[str] = []
    for i, c in enumerate(checkins):
        if c.get("status") not in ROUND_STATUSES:
            errors.append(f"#{i}: " + _("status must be present or absent."))
    events = [{**c, "source_type": Trace.Source.OTHER, "direction": ""} for c in checkins]
    resolved = [] if errors else traces_resolve(actor=actor, events=events, now=now, errors=errors)
    if errors:
        raise ValidationError({"checkins": errors[:MAX_ERRORS]})
    name = getattr(actor, "get_username", lambda: "api")()
    with transaction.atomic(), batched_events():
        present = [(pk, e) for pk, e in resolved if e["status"] == CheckIn.Status.PRESENT]
        batch = traces_store(
            actor=actor, resolved=present, source=name, source_type=Trace.Source.OTHER, now=now
        )
        written = _record_present(
            [(pk, e["at"], (e.get("place") or "")[:100], None) for pk, e in present],
            source=CheckIn.Source.API,
            now=now,
        )
        absent = [(pk, e) for pk, e in resolved if e["status"] == CheckIn.Status.ABSENT]
        for pk, e in absent:
            CheckIn.objects.update_or_create(
                night=nights.night_of(e["at"]),
                student_id=pk,
                defaults={
                    "status": CheckIn.Status.ABSENT,
                    "source": CheckIn.Source.API,
                    "at": e["at"],
                    "place": (e.get("place") or "")[:100],
                },
            )
        event_record(
            actor=actor if getattr(actor, "pk", None) else None,
            subject=batch,
            verb="monitoring.checkins_received",
            at=now,
            data={"present": len(present), "absent": len(absent), "written": written},
        )
    return len(resolved)


# ---- card numbers and vendor formats ----------------------------------------------------------


def card_numbers_set(*, actor, pairs: list[tuple[str, str]], now=None) -> int:
    """[(card number, 学号)] → the mapping (a card moved to another student follows). By those
    who import traces, or an integration token (its `monitoring.write` checked by the API)."""
    now = _now(now)
    token = getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None) is None
    if not token and not permissions.can_import_traces(actor):
        raise PermissionDenied
    if not pairs or len(pairs) > MAX_BATCH:
        raise ValidationError(_("Between 1 and %(n)d cards per batch.") % {"n": MAX_BATCH})
    by_no = dict(
        values_in(
            org.students_visible(actor), "student_no", {n for _c, n in pairs}, "student_no", "pk"
        )
    )
    unknown = sorted({n for _c, n in pairs if n not in by_no})
    if unknown:
        raise ValidationError(
            _("Unknown student number(s): %(nos)s") % {"nos": "、".join(unknown[:20])}
        )
    with transaction.atomic():
        for card, no in pairs:
            CardNumber.objects.update_or_create(card_no=card, defaults={"student_id": by_no[no]})
        event_record(
            actor=None if token else actor,
            subject=("monitoring.cardnumber", "all"),
            verb="monitoring.cards_mapped",
            at=now,
            data={"count": len(pairs)},
        )
    return len(pairs)


VENDOR_FIELDS = ("student_no", "card_no", "time", "gate", "direction")


def vendor_format_save(
    *, actor, name: str, columns: dict, in_words, out_words, vendor=None, now=None
) -> VendorFormat:
    now = _now(now)
    if not permissions.can_import_traces(actor):
        raise PermissionDenied
    errors = {}
    name = (name or "").strip()
    if not name or len(name) > 60:
        errors["name"] = [_("Give the format a name (at most 60 characters).")]
    columns = {k: (v or "").strip()[:40] for k, v in (columns or {}).items() if k in VENDOR_FIELDS}
    columns = {k: v for k, v in columns.items() if v}
    if not (columns.get("student_no") or columns.get("card_no")):
        errors["columns"] = [_("Name the column of the student number or of the card number.")]
    elif "time" not in columns:
        errors["columns"] = [_("Name the column of the passage time.")]
    in_words = [w.strip() for w in in_words or [] if w.strip()][:10]
    out_words = [w.strip() for w in out_words or [] if w.strip()][:10]
    if "direction" in columns and not in_words:
        errors["in_words"] = [_("Say what the direction column writes for 'in' (进, 1, IN …).")]
    if set(in_words) & set(out_words):
        errors["out_words"] = [_("A word cannot mean both in and out.")]
    clash = VendorFormat.objects.filter(name=name)
    if vendor is not None and vendor.pk:
        clash = clash.exclude(pk=vendor.pk)
    if name and clash.exists():
        errors["name"] = [_("A format with this name exists.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        vendor = vendor or VendorFormat()
        vendor.name, vendor.columns, vendor.in_words, vendor.out_words = (
            name,
            columns,
            in_words,
            out_words,
        )
        created = vendor.pk is None
        vendor.save()
        event_record(
            actor=actor,
            subject=vendor,
            verb="monitoring.vendor_created" if created else "monitoring.vendor_changed",
            at=now,
            data={"name": name, "columns": columns, "in": in_words, "out": out_words},
        )
    return vendor


# ---- rules ------------------------------------------------------------------------------------

_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_cutoff(value) -> datetime.time | None:
    if isinstance(value, datetime.time):
        return value
    match = _TIME.match((value or "").strip())
    if not match:
        return None
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return None
    return datetime.time(hour, minute)


def rule_errors(*, kind, name, category, severity, cutoff, hours, building) -> dict:
    errors = {}
    if kind not in Rule.Kind.values:
        errors["kind"] = [_("Choose night absence or missing.")]
    if not (name or "").strip() or len(name) > 60:
        errors["name"] = [_("Give the rule a name (at most 60 characters).")]
    if not Category.objects.filter(code=category, is_active=True).exists():
        errors["category"] = [
            _("Unknown report category %(code)s: choose one from the list.") % {"code": category}
        ]
    if severity not in Severity.values:
        errors["severity"] = [_("Choose a severity: general, larger, major or especially major.")]
    if kind == Rule.Kind.NIGHT_ABSENCE:
        if parse_cutoff(cutoff) is None:
            errors["cutoff"] = [
                _("%(value)s is not a time of day: write it as 22:30 (00:00 to 23:59).")
                % {"value": cutoff or "—"}
            ]
        if building is not None and building.kind != Unit.Kind.DORM_BUILDING:
            errors["building"] = [_("Choose a dormitory building.")]
    if kind == Rule.Kind.MISSING:
        try:
            ok = hours is not None and 1 <= int(hours) <= 168
        except (TypeError, ValueError):
            ok = False
        if not ok:
            errors["hours"] = [_("Hours without a trace: a whole number from 1 to 168.")]
    return errors


def rule_save(
    *,
    actor,
    kind: str,
    name: str,
    category: str,
    severity: str,
    cutoff=None,
    hours=None,
    building: Unit | None = None,
    is_active: bool = True,
    rule: Rule | None = None,
    now=None,
) -> Rule:
    """Create or change a rule (学生处); its next run is planned on the engine at once."""
    now = _now(now)
    if actor is not None and not permissions.can_edit_rules(actor):
        raise PermissionDenied(_("Only 学生处 edits the monitoring rules."))
    if rule is not None:
        kind = rule.kind
    errors = rule_errors(
        kind=kind,
        name=name,
        category=category,
        severity=severity,
        cutoff=cutoff,
        hours=hours,
        building=building,
    )
    if not errors and is_active:
        twin = Rule.objects.filter(
            kind=kind,
            is_active=True,
            building=building if kind == Rule.Kind.NIGHT_ABSENCE else None,
        )
        if rule is not None and rule.pk:
            twin = twin.exclude(pk=rule.pk)
        if twin.exists():
            errors["building"] = [
                _("An active rule of this kind already covers this building (or the school).")
            ]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        if rule is None:
            rule = Rule(kind=kind)
        else:
            rule = Rule.objects.select_for_update().order_by("pk").get(pk=rule.pk)
            rule.version += 1
        rule.name, rule.category, rule.severity, rule.is_active = (
            name.strip(),
            category,
            severity,
            is_active,
        )
        rule.cutoff = parse_cutoff(cutoff) if kind == Rule.Kind.NIGHT_ABSENCE else None
        rule.hours = int(hours) if kind == Rule.Kind.MISSING else None
        rule.building = building if kind == Rule.Kind.NIGHT_ABSENCE else None
        created = rule.pk is None
        rule.save()
        rules.rule_schedule(rule, now=now)
        event_record(
            actor=actor,
            subject=rule,
            verb="monitoring.rule_created" if created else "monitoring.rule_changed",
            at=now,
            data={
                "kind": kind,
                "name": rule.name,
                "category": category,
                "severity": severity,
                "cutoff": rule.cutoff.strftime("%H:%M") if rule.cutoff else None,
                "hours": rule.hours,
                "building": rule.building.code if rule.building else None,
                "active": is_active,
                "version": rule.version,
            },
        )
    return rule


def rules_install_defaults(*, actor, now=None) -> list[Rule]:
    """The shipped rules (22:30 night absence, 24 h 失联) when the school has none."""
    if Rule.objects.exists():
        return []
    return [rule_save(actor=actor, now=now, **spec) for spec in rules.DEFAULT_RULES]

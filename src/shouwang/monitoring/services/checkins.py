"""Check-ins: a dorm round's tap (`round_mark`, allowed by `may_mark`) and an
integration's (or a dorm app's) batch of check-ins (`checkins_record`: all or none, its
present ones stored as traces too); ROUND_STATUSES."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shouwang.audit.services import batched_events, event_record
from shouwang.org import selectors as org
from shouwang.org.models import Student, Unit

from .. import nights, permissions
from ..models import CheckIn, Trace, TraceBatch
from .common import MAX_BATCH, MAX_ERRORS, _now, _record_present
from .traces import traces_resolve, traces_store

ROUND_STATUSES = (CheckIn.Status.PRESENT, CheckIn.Status.ABSENT)


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

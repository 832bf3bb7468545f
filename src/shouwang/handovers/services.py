"""Every write of handovers: opening one when a class's counsellor or class teacher post passes
to someone else (org's post-change hook, in the post change's transaction), the old holder's
note, the new holder's acknowledgement, the escalation when nobody acknowledges, and the shared
period."""

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.escalation.services import deadlines_cancel, deadlines_schedule
from shouwang.notify.services import message_send
from shouwang.org.models import Post, Role, Student, Unit
from shouwang.talks.obligations import deputies_by_college
from shouwang.talks.services import obligations_reassign

from . import hooks, permissions
from .models import SHARED_DAYS_MAX, Handover, HandoverSettings

ROLES = ("counsellor", "class_teacher")
ACK_KIND = "handover_ack"
SUBJECT = "handovers.handover"
# How far apart the old post's end and the new one's start may be and still be one change.
PAIRING_DAYS = 30
NOTE_MAX = 4000


def ack_days() -> int:
    return getattr(settings, "HANDOVER_ACK_DAYS", 3)


def shared_days() -> int:
    row = HandoverSettings.objects.order_by("pk").first()
    return row.shared_days if row else HandoverSettings._meta.get_field("shared_days").default


def on_post_change(*, started, ended, actor, now=None) -> None:
    """org's hook: pair each new counsellor / class-teacher post with the one it replaces (or
    each ended one with its successor) and open the handover."""
    now = now or timezone.now()
    window = datetime.timedelta(days=PAIRING_DAYS)
    roles = set(Role.objects.filter(code__in=ROLES).values_list("pk", flat=True))
    pairs = []
    for post in started:
        if post.role_id not in roles:
            continue
        before = (
            Post.objects.filter(unit_id=post.unit_id, role_id=post.role_id, until__isnull=False)
            .exclude(person_id=post.person_id)
            .filter(since__lt=post.since, until__gte=post.since - window)
            .order_by("-until", "-pk")
            .first()
        )
        if before is not None:
            pairs.append((before, post))
    for post in ended:
        if post.role_id not in roles:
            continue
        after = (
            Post.objects.filter(unit_id=post.unit_id, role_id=post.role_id)
            .exclude(person_id=post.person_id)
            .filter(since__gt=post.since, since__lte=post.until + window)
            .order_by("-since", "-pk")
            .first()
        )
        if after is not None:
            pairs.append((post, after))
    for old, new in pairs:
        handover_open(from_post=old, to_post=new, actor=actor, now=now)


@transaction.atomic
def handover_open(*, from_post, to_post, actor=None, now=None) -> Handover:
    now = now or timezone.now()
    existing = Handover.objects.filter(from_post=from_post, to_post=to_post).first()
    if existing is not None:
        return existing
    unit = Unit.objects.get(pk=to_post.unit_id)
    classes = list(
        Unit.objects.filter(path__startswith=unit.path, kind=Unit.Kind.CLASS).values_list(
            "pk", flat=True
        )
    )
    handover = Handover.objects.create(
        unit=unit,
        role_id=to_post.role_id,
        from_post=from_post,
        to_post=to_post,
        from_person_id=from_post.person_id,
        to_person_id=to_post.person_id,
        old_until=from_post.until or timezone.localdate(now),
        students=Student.objects.filter(klass_id__in=classes).count(),
        created_at=now,
    )
    handover.classes.set(classes)
    moved = obligations_reassign(
        actor=actor,
        class_ids=classes,
        from_person=from_post.person,
        to_person=to_post.person,
        handover=handover.pk,
        now=now,
    )
    Handover.objects.filter(pk=handover.pk).update(obligations_moved=moved)
    handover.obligations_moved = moved
    also_moved = hooks.handed_over(
        handover=handover,
        class_ids=classes,
        from_person=from_post.person,
        to_person=to_post.person,
        actor=actor,
        now=now,
    )
    Handover.objects.filter(pk=handover.pk).update(moved=also_moved)
    handover.moved = also_moved
    deadlines_schedule(
        deadlines=[
            {
                "kind": ACK_KIND,
                "subject_type": SUBJECT,
                "subject_id": handover.pk,
                "due_at": now + datetime.timedelta(days=ack_days()),
            }
        ],
        now=now,
    )
    url = f"/handovers/{handover.pk}/"
    message_send(
        subject_type=SUBJECT,
        subject_id=handover.pk,
        kind="handover.to_acknowledge",
        title=_("Handover of %(unit)s: please acknowledge receiving it") % {"unit": unit.name},
        body=" ".join(
            [
                _("%(n)d students, %(m)d open obligations moved to you.")
                % {"n": handover.students, "m": moved},
                *(
                    _("%(label)s: %(n)d.") % {"label": label, "n": n}
                    for label, n in hooks.moved_lines(also_moved)
                ),
            ]
        ),
        url=url,
        recipients=[to_post.person],
        now=now,
    )
    message_send(
        subject_type=SUBJECT,
        subject_id=handover.pk,
        kind="handover.note_request",
        title=_("Handover of %(unit)s: please leave a handover note") % {"unit": unit.name},
        url=url,
        recipients=[from_post.person],
        now=now,
    )
    event_record(
        actor=actor,
        subject=handover,
        verb="handover.opened",
        data={
            "unit": unit.code,
            "role": to_post.role.code,
            "from": from_post.person_id,
            "to": to_post.person_id,
            "classes": classes,
            "students": handover.students,
            "obligations_moved": moved,
            **also_moved,
        },
        at=now,
    )
    return handover


def _locked(handover_id):
    return Handover.objects.select_for_update().filter(pk=handover_id).first()


@transaction.atomic
def handover_acknowledge(*, actor, handover, now=None) -> Handover:
    """Only the new holder; anyone else changes nothing (the old holder: 403, others: 404)."""
    now = now or timezone.now()
    handover = _locked(handover.pk)
    if handover is None:
        raise Http404
    if not permissions.can_acknowledge(actor, handover):
        if permissions.can_write_note(actor, handover):
            raise PermissionDenied(_("Only the new holder acknowledges a handover."))
        raise Http404
    if handover.state == Handover.State.ACKNOWLEDGED:
        raise ValidationError(_("This handover is already acknowledged."))
    Handover.objects.filter(pk=handover.pk).update(
        state=Handover.State.ACKNOWLEDGED, acknowledged_at=now
    )
    handover.state, handover.acknowledged_at = Handover.State.ACKNOWLEDGED, now
    deadlines_cancel(subject_type=SUBJECT, subject_id=handover.pk, now=now, outcome="acknowledged")
    event_record(actor=actor, subject=handover, verb="handover.acknowledged", at=now)
    return handover


@transaction.atomic
def handover_note_set(*, actor, handover, note: str, now=None) -> Handover:
    now = now or timezone.now()
    handover = _locked(handover.pk)
    if handover is None:
        raise Http404
    if not permissions.can_write_note(actor, handover):
        if permissions.can_acknowledge(actor, handover):
            raise PermissionDenied(_("Only the previous holder writes the handover note."))
        raise Http404
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write the note.")})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("At most %(n)d characters, please.") % {"n": NOTE_MAX}})
    Handover.objects.filter(pk=handover.pk).update(note=note)
    handover.note = note
    event_record(
        actor=actor, subject=handover, verb="handover.noted", data={"length": len(note)}, at=now
    )
    return handover


@transaction.atomic
def shared_period_set(*, actor, days, now=None) -> int:
    now = now or timezone.now()
    if not permissions.can_set_shared_period(actor):
        raise PermissionDenied(_("Only 学生处 sets the shared period."))
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = -1
    if not 0 <= days <= SHARED_DAYS_MAX:
        raise ValidationError(
            {"shared_days": _("Between 0 and %(max)d days.") % {"max": SHARED_DAYS_MAX}}
        )
    row = HandoverSettings.objects.select_for_update().order_by("pk").first()
    before = row.shared_days if row else None
    if row is None:
        row = HandoverSettings.objects.create(shared_days=days)
    else:
        HandoverSettings.objects.filter(pk=row.pk).update(shared_days=days)
    event_record(
        actor=actor,
        subject=("handovers.handoversettings", row.pk),
        verb="handover.shared_period_set",
        data={"before": before, "after": days},
        at=now,
    )
    return days


# ---- the engine's act: nobody acknowledged in time -----------------------------------------


def lock_pending(subject_id):
    return (
        Handover.objects.select_for_update()
        .filter(pk=int(subject_id), state=Handover.State.PENDING)
        .first()
    )


def escalate(deadline, handover, now) -> str:
    """The new holder did not acknowledge in time: their college's deputy secretary is told
    (and the new holder reminded)."""
    unit = Unit.objects.get(pk=handover.unit_id)
    colleges = list(Unit.objects.filter(kind=Unit.Kind.COLLEGE).values_list("pk", "path"))
    college = next((pk for pk, path in colleges if unit.path.startswith(path)), None)
    deputies = deputies_by_college([college]).get(college, []) if college else []
    message_send(
        subject_type=SUBJECT,
        subject_id=handover.pk,
        kind="handover.escalated",
        title=_("Handover of %(unit)s not acknowledged by %(person)s")
        % {"unit": unit.name, "person": handover.to_person.display_name},
        url=f"/handovers/{handover.pk}/",
        recipients=[*deputies, handover.to_person],
        now=now,
    )
    event_record(
        actor=None,
        subject=handover,
        verb="handover.escalated",
        data={"to": [p.pk for p in deputies]},
        at=now,
    )
    return "escalated"

"""Every write of talks: recording a talk / parent contact / home visit (which meets the
period's obligation and cancels its deadlines), the semester calendar, moving open obligations
to a new holder (handovers calls it), and the guardian's one-time verification link."""

import datetime
import hashlib
import hmac
import re
import secrets
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.escalation.services import deadlines_cancel, deadlines_schedule
from shouwang.notify.providers import sms
from shouwang.org.services import student_guardian_verify

from . import permissions, selectors
from .models import GuardianLink, Kind, Mode, Obligation, Semester, Talk
from .obligations import SUBJECT

SUMMARY_MAX = 500
DETAIL_MAX = 4000
OLDEST_DAYS = 366
GUARDIAN_SMS = "talk_guardian_sms"


def _clean_text(value, *, field, limit, required):
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > limit:
        raise ValidationError({field: _("At most %(n)d characters, please.") % {"n": limit}})
    return value


@transaction.atomic
def talk_record(
    *, actor, student, kind: str, held_on, mode: str, summary: str, detail: str = "", now=None
) -> Talk:
    """Record a talk (or a parent contact, or a home visit) with a student of the actor's; it
    meets the obligation of the period it falls in, even a late one."""
    now = now or timezone.now()
    if not permissions.can_record_talks(actor):
        raise PermissionDenied(_("Only counsellors and class teachers record talks."))
    if not selectors.students_for_talks(actor).filter(pk=student.pk).exists():
        raise Http404
    errors = {}
    if kind not in Kind.values:
        errors["kind"] = _("Choose what kind of record this is.")
    if mode not in Mode.values:
        errors["mode"] = _("Choose how the talk took place.")
    today = timezone.localdate(now)
    if not isinstance(held_on, datetime.date):
        errors["held_on"] = _("Enter the date.")
    elif held_on > today:
        errors["held_on"] = _("The date cannot be in the future.")
    elif held_on < today - datetime.timedelta(days=OLDEST_DAYS):
        errors["held_on"] = _("The date is more than a year ago.")
    if errors:
        raise ValidationError(errors)
    summary = _clean_text(summary, field="summary", limit=SUMMARY_MAX, required=True)
    detail = _clean_text(detail, field="detail", limit=DETAIL_MAX, required=False)
    talk = Talk.objects.create(
        student=student,
        kind=kind,
        held_on=held_on,
        mode=mode,
        summary=summary,
        detail=detail,
        by=actor,
        created_at=now,
    )
    obligation = (
        Obligation.objects.select_for_update()
        .filter(
            student=student,
            kind=kind,
            period_start__lte=held_on,
            period_end__gte=held_on,
            state__in=[Obligation.State.OPEN, Obligation.State.OVERDUE],
        )
        .first()
    )
    if obligation is not None:
        late = obligation.state == Obligation.State.OVERDUE
        Obligation.objects.filter(pk=obligation.pk).update(
            state=Obligation.State.MET, met_at=now, record=talk
        )
        deadlines_cancel(subject_type=SUBJECT, subject_id=obligation.pk, now=now, outcome="met")
        event_record(
            actor=actor,
            subject=(SUBJECT, obligation.pk),
            verb="talks.obligation_met",
            data={"talk": talk.pk, "late": late},
            at=now,
        )
    event_record(
        actor=actor,
        subject=talk,
        verb="talk.recorded",
        data={
            "student": student.pk,
            "kind": kind,
            "held_on": held_on.isoformat(),
            "mode": mode,
            "obligation": obligation.pk if obligation else None,
        },
        at=now,
    )
    return talk


@transaction.atomic
def semester_create(*, actor, name: str, start, end, now=None) -> Semester:
    now = now or timezone.now()
    if not permissions.can_edit_semesters(actor):
        raise PermissionDenied(_("Only 学生处 keeps the semester calendar."))
    name = _clean_text(name, field="name", limit=60, required=True)
    if not isinstance(start, datetime.date) or not isinstance(end, datetime.date):
        raise ValidationError(_("Enter both dates."))
    if Semester.objects.filter(name=name).exists():
        raise ValidationError({"name": _("A semester with this name already exists.")})
    semester = Semester(name=name, start=start, end=end)
    semester.full_clean()
    semester.save()
    event_record(
        actor=actor,
        subject=semester,
        verb="semester.created",
        data={"name": name, "start": start.isoformat(), "end": end.isoformat()},
        at=now,
    )
    return semester


def obligations_reassign(*, actor, class_ids, from_person, to_person, handover=None, now=None):
    """A handover: the open obligations of these classes' students owed by `from_person` move to
    `to_person`. Runs in the caller's transaction (handovers.services)."""
    now = now or timezone.now()
    moved = Obligation.objects.filter(
        klass_id__in=list(class_ids),
        holder=from_person,
        state__in=[Obligation.State.OPEN, Obligation.State.OVERDUE],
    ).update(holder=to_person)
    if moved:
        event_record(
            actor=actor,
            subject=("talks.holder", to_person.pk),
            verb="talks.obligations_moved",
            data={"from": from_person.pk, "count": moved, "handover": handover},
            at=now,
        )
    return moved


# ---- verified guardian phones --------------------------------------------------------------


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def link_hours() -> int:
    return getattr(settings, "GUARDIAN_LINK_HOURS", 72)


REPLY_MISSES_MAX = 3  # wrong codes replied from the number before its code stops working
_CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def replies_enabled() -> bool:
    """The provider's inbound callback is configured: the SMS offers a code to reply with."""
    return bool(getattr(settings, "SMS_INBOUND_SECRET", ""))


def _reply_hash(nonce_hash: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"guardian-reply:{nonce_hash}:{code}".encode(), hashlib.sha256).hexdigest()


def _national(phone: str) -> str:
    """A mainland number as 11 digits: "+86 138-0000-0000", "8613800000000" → "13800000000"."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[2:] if len(digits) == 13 and digits.startswith("86") else digits


@transaction.atomic
def guardian_verification_send(*, actor, student, now=None) -> GuardianLink:
    """Send the guardian a one-time link by SMS (the worker sends it: a deadline due now)."""
    now = now or timezone.now()
    if not permissions.can_record_talks(actor):
        raise PermissionDenied(_("Only counsellors and class teachers ask guardians to verify."))
    if not selectors.students_for_talks(actor).filter(pk=student.pk).exists():
        raise Http404
    if not student.guardian_phone:
        raise ValidationError(_("This student has no guardian phone number to verify."))
    if student.guardian_phone_verified:
        raise ValidationError(_("The guardian's number is already verified."))
    # A random 128-bit secret, kept only as its hash: short, because an SMS template's variable
    # holds about 100 characters and the link is the whole message.
    token = nonce = secrets.token_urlsafe(16)
    code = f"{secrets.randbelow(10**6):06d}" if replies_enabled() else ""
    link = GuardianLink.objects.create(
        student=student,
        phone=student.guardian_phone,
        nonce_hash=_hash(nonce),
        reply_hash=_reply_hash(_hash(nonce), code) if code else "",
        pending_code=code,
        pending_url=f"{settings.SITE_URL.rstrip('/')}/talks/guardian/{token}/",
        sent_by=actor,
        created_at=now,
        expires_at=now + datetime.timedelta(hours=link_hours()),
    )
    deadlines_schedule(
        deadlines=[
            {
                "kind": GUARDIAN_SMS,
                "subject_type": "talks.guardianlink",
                "subject_id": link.pk,
                "due_at": now,
            }
        ],
        now=now,
    )
    event_record(
        actor=actor,
        subject=student,
        verb="student.guardian_link_sent",
        data={"link": link.pk, "phone_tail": link.phone[-4:]},
        at=now,
    )
    return link


def guardian_link_lock(subject_id):
    return GuardianLink.objects.select_for_update().filter(pk=int(subject_id)).first()


def guardian_link_send(deadline, link, now) -> str:
    """The engine's act for GUARDIAN_SMS: one SMS through the configured provider, with the
    link as the template's url variable. The link itself is cleared once sent."""
    if link.used_at or link.expires_at <= now or not link.pending_url:
        return "stale"
    delivery = SimpleNamespace(idempotency_key=f"guardian-{link.pk}")
    # The template's title variable holds about 30 characters: room for the code to reply with.
    title = "家长手机号核验" + (f"，或回复验证码{link.pending_code}" if link.pending_code else "")
    rendered = SimpleNamespace(title=title, url=link.pending_url, ack_url="")
    provider = sms.ADAPTERS.get(settings.SMS["PROVIDER"])
    if provider is None:
        GuardianLink.objects.filter(pk=link.pk).update(send_error="SMS not configured")
        return "not_configured"
    try:
        provider(delivery, rendered, link.phone)
    except Exception as exc:  # the provider's error is stored; the office may send again
        GuardianLink.objects.filter(pk=link.pk).update(send_error=str(exc)[:300])
        return "failed"
    GuardianLink.objects.filter(pk=link.pk).update(
        sent_at=now, pending_url="", pending_code="", send_error=""
    )
    return "sent"


def guardian_link_check(token: str, *, now=None) -> GuardianLink:
    """The link if genuine, unused, unexpired and still for the student's number; otherwise a
    ValidationError with code invalid / used / expired."""
    now = now or timezone.now()
    token = str(token)
    link = None
    if 16 <= len(token) <= 64:
        link = (
            GuardianLink.objects.select_related("student").filter(nonce_hash=_hash(token)).first()
        )
    if link is None:
        raise ValidationError(_("This verification link is not valid."), code="invalid")
    if link.used_at is not None:
        raise ValidationError(_("This verification link has already been used."), code="used")
    if link.expires_at <= now:
        raise ValidationError(_("This verification link has expired."), code="expired")
    if link.student.guardian_phone != link.phone:
        raise ValidationError(
            _("The guardian number changed since this link was sent."), code="expired"
        )
    return link


@transaction.atomic
def guardian_link_confirm(*, token: str, now=None) -> GuardianLink:
    """The guardian confirmed: the number becomes verified, the link is used up."""
    now = now or timezone.now()
    link = guardian_link_check(token, now=now)
    used = GuardianLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now)
    if used != 1:
        raise ValidationError(_("This verification link has already been used."), code="used")
    student_guardian_verify(student=link.student, phone=link.phone, now=now)
    return link


@transaction.atomic
def guardian_reply_receive(*, phone: str, text: str, now=None) -> str:
    """An SMS reply the provider's inbound callback passed on (the caller checked the shared
    secret). The right code, from the very number a live link was sent to, verifies it as the
    link would: "verified". Anything else changes nothing but counting a wrong code against the
    number's live links (REPLY_MISSES_MAX of them and the code stops working; the link still
    works): "ignored". The code and the number are never recorded, only the number's last four."""
    now = now or timezone.now()
    number = _national(str(phone)[:32])
    found = _CODE.search(str(text)[:500])
    if len(number) < 7 or found is None:
        return "ignored"  # "收到", "谢谢": a reply without a code is not an attempt
    links = list(
        GuardianLink.objects.select_for_update()
        .select_related("student")
        .filter(
            phone__in=[number, f"+86{number}", f"86{number}"],
            used_at__isnull=True,
            expires_at__gt=now,
            reply_misses__lt=REPLY_MISSES_MAX,
        )
        .exclude(reply_hash="")
        .order_by("pk")
    )
    for link in links:
        if not hmac.compare_digest(link.reply_hash, _reply_hash(link.nonce_hash, found.group(1))):
            continue
        if link.student.guardian_phone != link.phone:
            continue  # the register's number changed since: the reply proves nothing now
        GuardianLink.objects.filter(pk=link.pk).update(used_at=now)
        student_guardian_verify(student=link.student, phone=link.phone, now=now)
        _replied(link, verified=True, now=now)
        return "verified"
    if links:
        GuardianLink.objects.filter(pk__in=[link.pk for link in links]).update(
            reply_misses=F("reply_misses") + 1
        )
        for link in links:
            _replied(link, verified=False, now=now)
    return "ignored"


def _replied(link, *, verified: bool, now) -> None:
    event_record(
        actor=None,
        subject=link.student,
        verb="student.guardian_replied",
        data={"link": link.pk, "phone_tail": link.phone[-4:], "verified": verified},
        at=now,
    )

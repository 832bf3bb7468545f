"""One-time sign-in codes (a student's first log-in): issue one, check one, and the per-address
limits on asking and guessing. Sending a code is the caller's (web, through notify's SMS
channel): accounts sits below notify."""

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shouwang.audit.services import event_record

from .models import CodeLoginAttempt, LoginCode, User

CODE_VALID = datetime.timedelta(minutes=10)
CODE_EVERY = datetime.timedelta(seconds=60)  # at most one code a minute per account
CODE_TRIES = 5
CODES_PER_DAY = 10


class TooSoon(Exception):
    """A code was sent less than a minute ago, or too many today."""


class TooMany(Exception):
    """This network address asked for too many codes, or typed too many wrong ones, this hour."""


ATTEMPT_WINDOW = datetime.timedelta(hours=1)
ATTEMPTS_KEPT = datetime.timedelta(days=1)


def _address_hash(address: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, b"address:" + (address or "?").encode()[:64], hashlib.sha256).hexdigest()


def _limit(kind: str) -> int:
    if kind == CodeLoginAttempt.Kind.SEND:
        return settings.CODE_LOGIN_SENDS_PER_HOUR
    return settings.CODE_LOGIN_MISSES_PER_HOUR


def code_login_address_check(*, address: str, kind: str, now=None) -> None:
    """TooMany if `address` has used up this hour's `kind` (send / miss) steps. A read: the
    step is counted by code_login_address_count once it happened."""
    now = now or timezone.now()
    used = CodeLoginAttempt.objects.filter(
        address_hash=_address_hash(address), kind=kind, at__gt=now - ATTEMPT_WINDOW
    ).count()
    if used >= _limit(kind):
        raise TooMany


@transaction.atomic
def code_login_address_count(*, address: str, kind: str, now=None) -> None:
    """Count one step from `address`; the step that uses up the hour is an event (no address,
    no 学号: the security office sees that a spray was stopped, not who typed what). Rows older
    than a day go."""
    now = now or timezone.now()
    CodeLoginAttempt.objects.filter(at__lt=now - ATTEMPTS_KEPT).delete()
    digest = _address_hash(address)
    attempt = CodeLoginAttempt.objects.create(address_hash=digest, kind=kind, at=now)
    used = CodeLoginAttempt.objects.filter(
        address_hash=digest, kind=kind, at__gt=now - ATTEMPT_WINDOW
    ).count()
    if used == _limit(kind):
        event_record(
            actor=None,
            subject=attempt,
            verb="account.code_login_throttled",
            data={"kind": kind, "per_hour": used},
            at=now,
        )


def _hash(user_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{user_id}:{code}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def login_code_issue(*, user: User, now=None) -> str:
    """A new 6-digit code for `user` (earlier ones stop working); TooSoon if asked too often."""
    now = now or timezone.now()
    User.objects.select_for_update().filter(pk=user.pk).first()
    recent = LoginCode.objects.filter(user=user, created_at__gt=now - datetime.timedelta(days=1))
    if recent.filter(created_at__gt=now - CODE_EVERY).exists() or recent.count() >= CODES_PER_DAY:
        raise TooSoon
    LoginCode.objects.filter(user=user, used_at__isnull=True).update(expires_at=now)
    code = f"{secrets.randbelow(10**6):06d}"
    LoginCode.objects.create(
        user=user, code_hash=_hash(user.pk, code), created_at=now, expires_at=now + CODE_VALID
    )
    event_record(actor=None, subject=user, verb="account.login_code_sent", at=now)
    return code


@transaction.atomic
def login_code_redeem(*, user: User, code: str, now=None) -> bool:
    """Whether `code` is the user's live code; a right code is spent, a wrong one costs a try."""
    now = now or timezone.now()
    live = (
        LoginCode.objects.select_for_update()
        .filter(user=user, used_at__isnull=True, expires_at__gt=now, tries__lt=CODE_TRIES)
        .order_by("-created_at")
        .first()
    )
    if live is None:
        return False
    if not hmac.compare_digest(live.code_hash, _hash(user.pk, (code or "").strip()[:12])):
        live.tries += 1
        live.save(update_fields=["tries"])
        return False
    live.used_at = now
    live.save(update_fields=["used_at"])
    event_record(actor=user, subject=user, verb="account.login_code_used", at=now)
    return True


@transaction.atomic
def password_set_own(*, actor: User, password: str, now=None) -> None:
    """A person sets their own password (a student after the first log-in by code). The
    caller validated it (Django's validators)."""
    now = now or timezone.now()
    actor.set_password(password)
    actor.save(update_fields=["password"])
    event_record(actor=actor, subject=actor, verb="account.password_set", at=now)

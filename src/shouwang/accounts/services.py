"""One-time sign-in codes (a student's first log-in): issue one, check one. Sending it is the
caller's (web, through notify's SMS channel): accounts sits below notify."""

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shouwang.audit.services import event_record

from .models import LoginCode, User

CODE_VALID = datetime.timedelta(minutes=10)
CODE_EVERY = datetime.timedelta(seconds=60)  # at most one code a minute per account
CODE_TRIES = 5
CODES_PER_DAY = 10


class TooSoon(Exception):
    """A code was sent less than a minute ago, or too many today."""


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

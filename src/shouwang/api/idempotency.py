"""`Idempotency-Key` on POSTs that create (POST /api/v1/reports): the same key with the same body
answers what the first request answered; the same key with another body is refused (422).

The key row is inserted in the same transaction as the work it guards, before the work: a
concurrent retry with the same key waits on the unique index (PostgreSQL) or the write lock
(SQLite), then fails to insert, rolls back whatever it did and answers the stored response. So a
report is stored once however many retries race, and never stored without its key.
"""

import hashlib
import re
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_RE = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, no spaces (UUIDs, ULIDs, hashes …)


def _keep() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_KEEP_HOURS)


def _owner(request) -> str:
    token = getattr(request.auth, "token", None)
    return f"token:{token.pk}" if token is not None else f"user:{request.auth.pk}"


def _refusal(message: str) -> JsonResponse:
    return JsonResponse({"detail": {HEADER: [message]}}, status=422)


def _replay(row: IdempotencyKey, body_sha256: str) -> HttpResponse:
    if row.body_sha256 != body_sha256:
        return _refusal(_("This Idempotency-Key was used with a different request body."))
    response = HttpResponse(
        row.response, status=row.status, content_type="application/json; charset=utf-8"
    )
    response["Idempotent-Replayed"] = "true"
    return response


def once(request, key: str | None, operation: str, run) -> HttpResponse | None:
    """Run `run()` (which returns the HttpResponse to send) at most once per caller and key.
    None when there is no key: the caller answers as usual."""
    if key is None:
        return None
    if not KEY_RE.match(key):
        return _refusal(
            _("An Idempotency-Key is 1 to 200 printable ASCII characters without spaces.")
        )
    owner, now = _owner(request), timezone.now()
    body_sha256 = hashlib.sha256(request.body).hexdigest()
    found = IdempotencyKey.objects.filter(owner=owner, key=key).first()
    if found is not None and found.created_at >= now - _keep():
        return _replay(found, body_sha256)
    try:
        with transaction.atomic():
            if found is not None:  # expired: the key may be used afresh
                IdempotencyKey.objects.filter(pk=found.pk).delete()
            row = IdempotencyKey.objects.create(
                owner=owner, key=key, operation=operation, body_sha256=body_sha256, created_at=now
            )
            response = run()
            if response.status_code >= 300:
                # Refused: nothing was written; undo the key too, so a corrected retry may use it.
                transaction.set_rollback(True)
                return response
            row.status, row.response = response.status_code, response.content.decode()
            row.save(update_fields=["status", "response"])
    except IntegrityError:
        # A retry that raced the first request: answer what the first one stored.
        return _replay(IdempotencyKey.objects.get(owner=owner, key=key), body_sha256)
    return response


def keys_prune(*, now) -> int:
    """Forget keys older than the retention (the worker calls this every few minutes)."""
    return IdempotencyKey.objects.filter(created_at__lt=now - _keep()).delete()[0]

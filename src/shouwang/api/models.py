"""Integration tokens: for systems (access control, campus card) that read or file through the
API."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "sw_"

# Permissions a token may carry. Reads are always further limited to the token's unit subtree.
TOKEN_PERMISSIONS = {
    "org.read": _("Read units and posts"),
    "students.read": _("Read students"),
    "reports.read": _("Read reports"),
    "reports.write": _("File reports and updates"),
    # Care files (一生一档) of the token's subtree, each read logged: only for a system the
    # psychological centre trusts with them (care.selectors.TOKEN_PERM).
    "care.read": _("Read care files"),
}


def hash_token(raw: str) -> str:
    # Tokens are 256 random bits, so a plain SHA-256 is enough (no need for a slow hash).
    return hashlib.sha256(raw.encode()).hexdigest()


def new_raw_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    name = models.CharField(_("name"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    # First characters, shown in lists so an admin can tell tokens apart without the secret.
    prefix = models.CharField(max_length=12, editable=False)
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, verbose_name=_("unit"))
    permissions = models.JSONField(_("permissions"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("integration token")
        verbose_name_plural = _("integration tokens")

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class IdempotencyKey(models.Model):
    """An `Idempotency-Key` a client sent with a POST, and the answer it got: a retry after a
    timeout gets that answer again instead of filing twice. Kept IDEMPOTENCY_KEEP_HOURS."""

    # "token:<id>" or "user:<id>": keys are per caller, so two systems may pick the same key.
    owner = models.CharField(max_length=40)
    key = models.CharField(max_length=200)
    operation = models.CharField(max_length=60)
    body_sha256 = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField(null=True)
    response = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_key_once_per_owner")
        ]

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A staff member or student cadre with an account. What they may see comes from their posts."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    # 工号 (staff number) or 学号 for student cadres; the key for idempotent staff imports.
    staff_no = models.CharField(
        _("staff number"), max_length=40, unique=True, null=True, blank=True
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self):
        return self.full_name or self.username


class LoginCode(models.Model):
    """A one-time sign-in code sent to a student's phone (first log-in, forgotten password).
    Only its hash is kept; it expires, allows a few tries, and works once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="login_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    tries = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"])]


class CodeLoginAttempt(models.Model):
    """One counted step of code sign-in from one network address: a code asked for (for any
    学号, known or not) or a wrong code typed. Per-address limits on top of the per-account ones
    stop a spray across many accounts; the address is kept only as a keyed hash, a day."""

    class Kind(models.TextChoices):
        SEND = "send", "send"
        MISS = "miss", "miss"

    address_hash = models.CharField(max_length=64)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["address_hash", "kind", "at"], name="code_attempt_window"),
            models.Index(fields=["at"], name="code_attempt_at"),
        ]

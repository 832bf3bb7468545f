"""Semesters (data), talk / parent-contact / home-visit records, the obligations they meet, and
the one-time links a guardian confirms a phone number with."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shouwang.vault.fields import EncryptedTextField

MAX_SEMESTER_DAYS = 250


class Semester(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))

    class Meta:
        verbose_name = _("semester")
        verbose_name_plural = _("semesters")
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="semester_order")
        ]

    def __str__(self):
        return self.name

    def clean(self):
        if self.start and self.end:
            if self.end < self.start:
                raise ValidationError(_("A semester must end after it starts."))
            if (self.end - self.start).days > MAX_SEMESTER_DAYS:
                raise ValidationError(
                    _("A semester lasts at most %(days)d days.") % {"days": MAX_SEMESTER_DAYS}
                )
            clash = (
                Semester.objects.exclude(pk=self.pk)
                .filter(start__lte=self.end, end__gte=self.start)
                .first()
            )
            if clash is not None:
                raise ValidationError(
                    _("The dates overlap the semester %(name)s (%(start)s – %(end)s).")
                    % {"name": clash.name, "start": clash.start, "end": clash.end}
                )


class Kind(models.TextChoices):
    TALK = "talk", _("Talk (谈心谈话)")
    PARENT_CONTACT = "parent_contact", _("Parent contact")
    HOME_VISIT = "home_visit", _("Home visit")


class Mode(models.TextChoices):
    FACE = "face", _("Face to face")
    PHONE = "phone", _("Phone")
    WECHAT = "wechat", _("WeChat")


class Talk(models.Model):
    """One talk, parent contact or home visit as recorded by the counsellor or class teacher."""

    student = models.ForeignKey("org.Student", on_delete=models.PROTECT, related_name="talks")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    held_on = models.DateField(_("date"))
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    summary = models.CharField(_("short summary"), max_length=500)
    # Care-related detail (what the student confided, risk signs): encrypted at rest.
    detail = EncryptedTextField(_("care-related detail"), blank=True, default="")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="talks_recorded"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["student", "kind", "held_on"])]


class Obligation(models.Model):
    """Every enrolled student must be talked with each month and their parents contacted each
    semester (key students also visited at home): one row per student, kind and period, with a
    Deadline on the engine at the period's end (kinds in apps.py)."""

    class State(models.TextChoices):
        OPEN = "open", _("Not yet done")
        OVERDUE = "overdue", _("Overdue")
        MET = "met", _("Met")
        CANCELLED = "cancelled", _("Cancelled")

    student = models.ForeignKey("org.Student", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    due_at = models.DateTimeField()
    # Who must do it: the class's counsellor (else its class teacher) when the period opened;
    # a handover moves open obligations to the new holder.
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="talk_obligations",
    )
    klass = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    college = models.ForeignKey("org.Unit", null=True, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    escalated = models.BooleanField(default=False)
    met_at = models.DateTimeField(null=True, blank=True)
    record = models.ForeignKey(Talk, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "kind", "period_start"], name="obligation_once_per_period"
            )
        ]
        indexes = [
            models.Index(fields=["kind", "period_start", "state"]),
            models.Index(fields=["holder", "state"]),
        ]

    @property
    def period(self) -> tuple[datetime.date, datetime.date]:
        return self.period_start, self.period_end


class GuardianLink(models.Model):
    """A one-time link sent by SMS to a guardian's phone; following it and confirming marks the
    number verified (org.services.student_guardian_verify). Only the nonce's hash is kept; the
    signed link waits, encrypted, for the worker to send it and is then cleared."""

    student = models.ForeignKey("org.Student", on_delete=models.CASCADE, related_name="+")
    phone = models.CharField(max_length=20)
    nonce_hash = models.CharField(max_length=64, unique=True)
    pending_url = EncryptedTextField(blank=True, default="")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    send_error = models.CharField(max_length=300, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    # Where the provider's inbound callback is configured, the SMS also offers a 6-digit code to
    # reply with: kept as an HMAC keyed with SECRET_KEY (6 digits are guessed from a dump in
    # seconds otherwise), the code itself encrypted until sent; wrong replies are counted.
    reply_hash = models.CharField(max_length=64, blank=True, default="")
    pending_code = EncryptedTextField(blank=True, default="")
    reply_misses = models.PositiveSmallIntegerField(default=0)

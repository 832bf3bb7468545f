"""Escalation as data: policies (ordered steps per category × severity), duty rosters, and the
Deadline rows that make every waiting step durable (DESIGN: "the one idea")."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EscalationPolicy(models.Model):
    """For a category (or any) × severity (or any): the chain the report climbs.

    `steps` is a list of
    {"roles": [...], "at": <unit kind | "office:<function>">, "ack_minutes": N}.
    `start_step` > 0 is skip-level (越级): the steps before it are informed, not asked to act.
    Validated by escalation.policies.validate_policy before it is saved.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    category = models.ForeignKey(
        "reports.Category",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("category"),
    )
    severity = models.CharField(_("severity"), max_length=10, blank=True)
    steps = models.JSONField(_("steps"), default=list)
    start_step = models.PositiveSmallIntegerField(_("start at step"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("escalation policy")
        verbose_name_plural = _("escalation policies")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "severity"],
                condition=Q(is_active=True),
                name="one_active_policy_per_category_severity",
            ),
        ]

    def __str__(self):
        return self.name


class DutyShift(models.Model):
    """Who is on duty for a unit on a date (值班, R-ORG-4). A night shift of date D runs from
    the evening of D to the morning of D+1; on a holiday it covers the whole day."""

    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="duty_shifts", verbose_name=_("unit")
    )
    date = models.DateField(_("date"))
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="duty_shifts",
        verbose_name=_("person on duty"),
    )
    phone = models.CharField(_("duty phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty roster")
        constraints = [
            models.UniqueConstraint(fields=["unit", "date", "person"], name="duty_once_per_day")
        ]
        indexes = [models.Index(fields=["date", "unit"])]

    def __str__(self):
        return f"{self.date} {self.unit} {self.person}"


class Holiday(models.Model):
    """Days on which the person on duty receives first all day (节假日二十四小时值班)."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {self.name}"


class Deadline(models.Model):
    """An obligation with a due time. Workers claim open due rows with a compare-and-set update;
    `fence` must still match the subject's state when acting, so a stale claim does nothing."""

    class State(models.TextChoices):
        OPEN = "open"
        CLAIMED = "claimed"
        DONE = "done"
        CANCELLED = "cancelled"

    kind = models.CharField(max_length=30)
    subject_type = models.CharField(max_length=50)
    subject_id = models.CharField(max_length=64)
    fence = models.IntegerField(default=0)
    due_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["due_at"], condition=Q(state="open"), name="deadline_open_due"),
            models.Index(fields=["subject_type", "subject_id", "state"]),
        ]
        constraints = [
            # One live deadline per subject, kind and step: a retried escalation cannot double it.
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id", "fence"],
                name="deadline_once_per_fence",
            ),
        ]

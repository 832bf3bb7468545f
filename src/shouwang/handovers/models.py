"""A handover (R-CARE-3): a class's counsellor or class teacher post passed from one holder to
the next. The new holder acknowledges receiving the students' files and open obligations (a
Deadline, escalated if not); the old holder leaves a note and keeps read access for the shared
period (HandoverSettings, data)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

SHARED_DAYS_DEFAULT = 7
SHARED_DAYS_MAX = 14


class HandoverSettings(models.Model):
    """One row: how long the old holder keeps read access after their post ended."""

    shared_days = models.PositiveSmallIntegerField(
        _("shared period (days)"),
        default=SHARED_DAYS_DEFAULT,
        validators=[MinValueValidator(0), MaxValueValidator(SHARED_DAYS_MAX)],
    )

    class Meta:
        verbose_name = _("handover settings")
        verbose_name_plural = _("handover settings")


class Handover(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for acknowledgement")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")

    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    role = models.ForeignKey("org.Role", on_delete=models.PROTECT, related_name="+")
    from_post = models.ForeignKey("org.Post", on_delete=models.PROTECT, related_name="+")
    to_post = models.ForeignKey("org.Post", on_delete=models.PROTECT, related_name="+")
    from_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="handovers_given"
    )
    to_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="handovers_received"
    )
    classes = models.ManyToManyField("org.Unit", related_name="+")
    # The day the old holder's post ended (the shared period runs from the day after).
    old_until = models.DateField()
    note = models.TextField(_("handover note"), blank=True, max_length=4000)
    state = models.CharField(max_length=15, choices=State.choices, default=State.PENDING)
    students = models.PositiveIntegerField(default=0)
    obligations_moved = models.PositiveIntegerField(default=0)
    # What else moved with the classes, counted by the apps above (hooks): {"care_files": 3, …}.
    moved = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["from_post", "to_post"], name="handover_once")
        ]
        indexes = [models.Index(fields=["from_person", "old_until"])]

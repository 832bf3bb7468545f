"""A leave request (请假) or an off-campus lodging approval (校外住宿), its approval chain frozen
onto it when submitted, and each approver's decision."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from shouwang.org.models import Student


class Leave(models.Model):
    class Kind(models.TextChoices):
        LEAVE = "leave", _("Leave (请假)")
        OFF_CAMPUS = "off_campus", _("Off-campus lodging")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")
        CANCELLED = "cancelled", _("Withdrawn by the student")
        RETURNED = "returned", _("Returned (销假)")

    student = models.ForeignKey(
        Student, on_delete=models.PROTECT, related_name="leaves", verbose_name=_("student")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.LEAVE)
    start_at = models.DateTimeField(_("leave from"))
    end_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=500)
    destination = models.CharField(_("destination"), max_length=200, blank=True)
    emergency_name = models.CharField(_("emergency contact"), max_length=50, blank=True)
    emergency_phone = models.CharField(_("emergency contact phone"), max_length=20, blank=True)
    # Off-campus lodging: where, and that the guardian agreed (who, and how).
    address = models.CharField(_("address"), max_length=200, blank=True)
    guardian_consent = models.BooleanField(_("guardian consents"), default=False)
    guardian_consent_note = models.CharField(
        _("how the guardian consented"), max_length=200, blank=True
    )
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.PENDING
    )
    # The chain of roles, frozen when submitted (an edit of chain.yaml mid-way changes nothing),
    # the step waiting, and its role (a column, so the queue is one indexed query).
    chain = models.JSONField(default=list)
    step = models.PositiveSmallIntegerField(default=0)
    step_role = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    returned_how = models.CharField(max_length=40, blank=True)  # check-in source, or "counsellor"
    overdue_at = models.DateTimeField(null=True, blank=True)
    # The automatic report filed when the student was not back: resolved on the record when
    # they return (the report is never deleted).
    overdue_report_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("leave request")
        verbose_name_plural = _("leave requests")
        ordering = ["-start_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "step_role"]),
            models.Index(fields=["state", "end_at"]),
            models.Index(fields=["student", "state"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end_at__gt=F("start_at")), name="leave_end_after"),
        ]

    def __str__(self):
        return f"{self.student} {self.get_kind_display()} {self.start_at:%Y-%m-%d}"


class Decision(models.Model):
    class Verdict(models.TextChoices):
        APPROVED = "approved", _("Approved")
        REFUSED = "refused", _("Refused")

    leave = models.ForeignKey(Leave, on_delete=models.CASCADE, related_name="decisions")
    step = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=40)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["leave", "step"]
        constraints = [
            models.UniqueConstraint(fields=["leave", "step"], name="leave_decision_once_per_step")
        ]

"""一生一档 (R-CARE): one care file per student who needs one, its history, tasks and reads.

What is sensitive — risk factors, screening details, notes, diagnoses, attachments (their names
and bytes), break-glass reasons, the key-student list's rows — is stored through vault fields:
in the database, and so in any dump, it is `sw1:` ciphertext. The tier is plain (lists are
ordered and filtered by it); timeline events name the file and the reader, never its content.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shouwang.vault.fields import EncryptedJSONField, EncryptedTextField

from .fields import EncryptedBytesField


class Tier(models.TextChoices):
    # Ordered from the least to the most serious: TIER_ORDER compares them.
    NONE = "none", _("Under care (no crisis)")
    GENERAL = "general", _("General psychological crisis")
    SEVERE = "severe", _("Severe psychological crisis")
    DISORDER = "disorder", _("Diagnosed severe mental disorder")


TIER_ORDER = {t.value: n for n, t in enumerate(Tier)}


class Via(models.TextChoices):
    COUNSELLOR = "counsellor", _("Opened by the counsellor")
    PSYCH = "psych", _("Opened by the psychological centre")
    SCREENING = "screening", _("Opened by the screening")
    REPORT = "report", _("Opened by a crisis report")


class CareFileQuerySet(models.QuerySet):
    def filter_key(self):
        """Key students (R-CARE-6): tier severe or above, or flagged by the psych centre."""
        return self.filter(Q(tier__in=[Tier.SEVERE, Tier.DISORDER]) | Q(key_flag=True))


class CareFile(models.Model):
    student = models.OneToOneField(
        "org.Student", on_delete=models.PROTECT, related_name="care_file", verbose_name=_("student")
    )
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.NONE)
    # Flagged by the psych centre for the key-student list whatever the tier (R-CARE-6).
    key_flag = models.BooleanField(_("key student"), default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_files_owned",
        verbose_name=_("dedicated owner"),
    )
    # The codes of risk_factors.yaml.
    risk_factors: Any = EncryptedJSONField(_("risk factors"), default=list)
    screening: Any = EncryptedJSONField(_("latest screening"), default=dict)
    notes = EncryptedTextField(_("notes"), blank=True, default="")
    diagnosis = EncryptedTextField(_("diagnosis"), blank=True, default="")
    opened_via = models.CharField(_("opened via"), max_length=12, choices=Via.choices)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"))
    tier_since = models.DateTimeField(_("tier since"))
    updated_at = models.DateTimeField(_("updated at"))
    # The tier step: a deadline made at an earlier step finds a newer fence and does nothing.
    fence = models.PositiveIntegerField(default=0)

    objects = CareFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("care file")
        verbose_name_plural = _("care files")
        indexes = [models.Index(fields=["tier"])]

    def __str__(self):
        return f"care file {self.pk}"


class Entry(models.Model):
    """The file's history: what happened, in order. The text is encrypted."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        UPDATED = "updated", _("Updated")
        SCREENING = "screening", _("Screening result")
        NOTE = "note", _("Note")
        TIER = "tier", _("Tier changed")
        OWNER = "owner", _("Owner changed")
        TASK = "task", _("Task done")
        ATTACHMENT = "attachment", _("Attachment")
        FLAG = "flag", _("Key-student flag")
        STATUS = "status", _("Student status (休学/复学)")

    file = models.ForeignKey(CareFile, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    text = EncryptedTextField(blank=True, default="")

    class Meta:
        ordering = ["-at", "-pk"]


class Attachment(models.Model):
    file = models.ForeignKey(CareFile, on_delete=models.CASCADE, related_name="attachments")
    name = EncryptedTextField()
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    content = EncryptedBytesField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["-uploaded_at", "-pk"]


class Task(models.Model):
    """One thing a tier requires (家长到校, 转介诊断, 安全责任移交 …), due by a time: a Deadline."""

    file = models.ForeignKey(CareFile, on_delete=models.CASCADE, related_name="tasks")
    tier = models.CharField(max_length=10, choices=Tier.choices)
    code = models.CharField(max_length=30)
    # Who does it: "counsellor" (the class's counsellors and class teachers), "psych", or
    # "status" (学生处 / 教务处: a 休学 or 复学 request, asked for by `requested_by`).
    role = models.CharField(max_length=12)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due_at = models.DateTimeField()
    created_at = models.DateTimeField()
    overdue_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    note = EncryptedTextField(blank=True, default="")
    attachment = models.ForeignKey(
        Attachment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["file", "code"],
                condition=Q(done_at__isnull=True, cancelled_at__isnull=True),
                name="care_task_one_open_per_code",
            )
        ]


class Watch(models.Model):
    """A shift of full-time supervision (24小时监护) for a file in the disorder tier."""

    file = models.ForeignKey(CareFile, on_delete=models.CASCADE, related_name="watches")
    watcher = models.CharField(max_length=50)  # a staff member, a guardian, a roommate …
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="care_watch_ends_after"
            )
        ]


class Grant(models.Model):
    """A leader's time-limited access to one file, made by the psych centre (R-CARE-4)."""

    file = models.ForeignKey(CareFile, on_delete=models.CASCADE, related_name="grants")
    grantee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_grants"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = EncryptedTextField()
    starts_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]


class BreakGlass(models.Model):
    """A school-wide role opened a file without need-to-know, stating why; reviewed later."""

    file = models.ForeignKey(CareFile, on_delete=models.CASCADE, related_name="break_glass")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField()
    at = models.DateTimeField()
    # Access lasts a short while (BREAK_GLASS_HOURS), then the reader must state a reason again.
    until = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = EncryptedTextField(blank=True, default="")

    class Meta:
        ordering = ["-at", "-pk"]


class KeyList(models.Model):
    """A semester's key-student list for 保卫处 / the police liaison (R-CARE-6)."""

    term = models.CharField(max_length=40)
    starts_on = models.DateField()
    ends_on = models.DateField()
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    produced_at = models.DateTimeField()
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_key_lists"
    )
    rows: Any = EncryptedJSONField(default=list)  # the students as they stood when produced
    count = models.PositiveIntegerField(default=0)
    ack_due_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-produced_at", "-pk"]

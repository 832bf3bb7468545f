"""Accountability found in the record (R-AFTER-4): the detector's findings — 迟报, 漏报, 瞒报,
虚报/谎报, 未及时到位 — each naming a person and unit, the timeline events that show it, and
its decision flow (open → 说明 → 尽职免责 or 失职追责). Nobody types a finding in; the limits
and who may decide are data the office edits."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.escalation.levels import Severity

PERSON = settings.AUTH_USER_MODEL


class ReportingLimit(models.Model):
    """How long after it happened a report may be filed (迟报), and the level a report of this
    severity must reach before it may be closed or handled locally (瞒报). A row without a
    category is the default for its severity; a category's own row overrides it."""

    category = models.ForeignKey(
        "reports.Category",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("category"),
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    minutes = models.PositiveIntegerField(_("limit (minutes from occurrence to filing)"))
    # A route level ("college", "office:student_affairs", "school"); blank: no level required.
    required_at = models.CharField(_("level the report must reach"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("reporting limit")
        verbose_name_plural = _("reporting limits")
        ordering = ["category__code", "severity"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "severity"], name="limit_once_per_category_severity"
            ),
            models.UniqueConstraint(
                fields=["severity"],
                condition=models.Q(category__isnull=True),
                name="limit_default_once_per_severity",
            ),
        ]


class DecisionPower(models.Model):
    """Who may decide a finding (尽职免责 / 失职追责): holders of `role` at an office of
    `unit_function` (blank: at any unit) — e.g. the head of 学生处, 纪委, 组织人事."""

    role = models.ForeignKey(
        "org.Role", on_delete=models.CASCADE, related_name="+", verbose_name=_("role")
    )
    unit_function = models.CharField(_("office function"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("power to decide findings")
        verbose_name_plural = _("powers to decide findings")
        constraints = [
            models.UniqueConstraint(fields=["role", "unit_function"], name="decision_power_once")
        ]


class Finding(models.Model):
    class Kind(models.TextChoices):
        LATE_REPORT = "late_report", _("Late report (迟报)")
        MISSED_REPORT = "missed_report", _("Missed report (漏报)")
        CONCEALED = "concealed", _("Concealment (瞒报)")
        FALSE_REPORT = "false_report", _("False or misstated report (虚报/谎报)")
        LATE_ARRIVAL = "late_arrival", _("Not on scene or not responding in time (未及时到位)")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        EXPLAINED = "explained", _("Explained (说明)")
        EXEMPTED = "exempted", _("Exempted: duty done (尽职免责)")
        CONFIRMED = "confirmed", _("Confirmed: held to account (失职追责)")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # What the finding is about: a report or an incident (the detector's idempotence key).
    subject_type = models.CharField(max_length=50)
    subject_id = models.CharField(max_length=64)
    report = models.ForeignKey(
        "reports.Report", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        PERSON,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person"),
    )
    person_key = models.IntegerField(
        default=0
    )  # person's pk, 0 for none: unique even with no person
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    # The variant within a kind (e.g. "ack_missed" or "arrival_missed" for 未及时到位).
    detail = models.CharField(max_length=30, blank=True)
    summary = models.CharField(_("summary"), max_length=300)
    facts = models.JSONField(default=dict, blank=True)
    evidence = models.JSONField(default=list, blank=True)  # timeline Event pks
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)  # when the failure happened
    detected_at = models.DateTimeField(_("detected at"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    explanation = models.TextField(_("explanation"), blank=True)
    explained_by = models.ForeignKey(
        PERSON, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    explained_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        PERSON, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    # 虚报/谎报: the office says whether it was deliberate or an honest mistake.
    deliberate = models.BooleanField(null=True, blank=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id", "person_key"],
                name="finding_once_per_kind_subject_person",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "occurred_at"]),
            models.Index(fields=["person", "occurred_at"]),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_kind_display()} · {self.summary}"


class FindingAttachment(models.Model):
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="findings/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

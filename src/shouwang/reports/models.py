"""Early-warning reports (预警信息, R-REP): the facts the seeds list, updates that append, and
the routing state the escalation engine moves forward."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.escalation.levels import SEVERITY_ORDER, Severity
from shouwang.org.models import LocalizedNameMixin


class Category(LocalizedNameMixin, models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    # Security matters (fights, threats to life/property, group incidents) also reach 保卫处.
    is_security = models.BooleanField(_("security matter"), default=False)
    # Sensitive personal information (mental and physical health, finances): below the
    # counsellor, only the reporter and those the report was routed to may read such a report;
    # student cadres only those they filed.
    is_sensitive = models.BooleanField(_("sensitive"), default=False)
    sort_order = models.IntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("report category")
        verbose_name_plural = _("report categories")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


# Severities are the escalation engine's (policies match on them); reports use them as they are.
__all__ = ["SEVERITY_ORDER", "Category", "Severity"]


class Report(models.Model):
    class AckState(models.TextChoices):
        WAITING = "waiting", _("Waiting for acknowledgement")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        EXHAUSTED = "exhausted", _("Unacknowledged at the top of the chain")

    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", _("Not yet verified")
        TRUE = "true", _("Verified true")
        FALSE = "false", _("Verified false")
        DUPLICATE = "duplicate", _("Duplicate")

    class Decision(models.TextChoices):
        NONE = "", _("Not decided")
        LOCAL = "local", _("Handle locally")
        ESCALATE = "escalate", _("Escalate")
        PLAN = "plan", _("Activate an emergency plan")

    category = models.ForeignKey(Category, on_delete=models.PROTECT, verbose_name=_("category"))
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    # The unit the report is about (where routing starts); students and other units add context.
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="reports", verbose_name=_("unit")
    )
    units_involved = models.ManyToManyField(
        "org.Unit", blank=True, related_name="+", verbose_name=_("units involved")
    )
    students = models.ManyToManyField(
        "org.Student", blank=True, related_name="reports", verbose_name=_("students involved")
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    place = models.CharField(_("place"), max_length=200)
    people_count = models.PositiveIntegerField(_("number of people"), null=True, blank=True)
    cause = models.TextField(_("possible cause"), blank=True)
    trend = models.TextField(_("trend"), blank=True)
    description = models.TextField(_("description"))

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports_filed",
    )
    # Set when filed through an integration token (access control, campus card …).
    api_token = models.ForeignKey(
        "api.ApiToken", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A covert observer's identity is shown only to counsellors and above (R-ORG-6).
    reporter_is_covert = models.BooleanField(default=False)
    filed_at = models.DateTimeField(_("filed at"), db_index=True)

    # Routing: the escalation steps frozen at filing (policy snapshot) and the current step,
    # which is also the fencing value a deadline must match to escalate.
    policy_name = models.CharField(max_length=100, blank=True)
    route = models.JSONField(default=list)
    current_step = models.IntegerField(default=0)
    ack_state = models.CharField(max_length=15, choices=AckState.choices, default=AckState.WAITING)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    verification = models.CharField(
        max_length=12, choices=Verification.choices, default=Verification.UNVERIFIED
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)

    # Filed by a rule, not a person or a token (monitoring's night scan, studies' truancy
    # streak, leave's overdue return): which rule, and its dedup key (one report per student ×
    # rule × night or period; NULL for everyone else's reports).
    source = models.CharField(_("raised by"), max_length=40, blank=True)
    source_key = models.CharField(max_length=120, null=True, blank=True, unique=True)
    # Later evidence from the rule (已返校 23:12，门禁) before anyone acted: the route stopped,
    # the report kept on the record.
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.CharField(_("resolution"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-filed_at"]
        indexes = [
            models.Index(fields=["unit", "filed_at"]),
            # One rule's filing (its burst: same source, same filing time) is routed as a whole
            # (route_sweep.sweep_routes): its first report is found, and locked, through this.
            models.Index(fields=["source", "filed_at"], name="report_burst"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.category} {self.get_severity_display()}"


class Recipient(models.Model):
    """Someone the report reached: to acknowledge (a chain step) or for information
    (越级/保卫处)."""

    class Purpose(models.TextChoices):
        ACK = "ack", _("To acknowledge")
        INFO = "info", _("For information")

    # No single-column indexes: the unique constraint (report first) and the (person, acked_at)
    # index serve those lookups, and every escalation writes a row here.
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, related_name="recipients", db_index=False
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="report_receipts",
        db_index=False,
    )
    step = models.IntegerField()
    purpose = models.CharField(max_length=5, choices=Purpose.choices)
    role = models.CharField(max_length=40, blank=True)
    added_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True)
    acked_at = models.DateTimeField(null=True, blank=True)
    ack_channel = models.CharField(max_length=20, blank=True)
    ack_note = models.TextField(blank=True)
    # The miss recorded against this person when the step escalated without them (R-REP-4).
    missed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "person", "step", "purpose"], name="recipient_once_per_step"
            ),
        ]
        indexes = [models.Index(fields=["person", "acked_at"])]


class ReportUpdate(models.Model):
    """边处理，边反映: later facts append; the original is never edited."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("update"))
    people_count = models.PositiveIntegerField(_("number of people"), null=True, blank=True)
    trend = models.TextField(_("trend"), blank=True)
    # Corrected facts, when the update says it happened at another time or place (虚报/谎报
    # compares them with the report as filed).
    occurred_at = models.DateTimeField(_("corrected time it happened"), null=True, blank=True)
    place = models.CharField(_("corrected place"), max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]


class Attachment(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments")
    update = models.ForeignKey(
        ReportUpdate, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to="attachments/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(
        max_length=100
    )  # sniffed from the bytes, not the client's claim
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()


class ExternalReport(models.Model):
    """Reporting upward outside the school (R-REP-6): who was told what, and when."""

    class RecipientKind(models.TextChoices):
        EDUCATION = "education", _("Superior education authority")
        GOVERNMENT = "government", _("Local government")
        POLICE = "police", _("Police")
        OTHER = "other", _("Other")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="external_reports")
    recipient_kind = models.CharField(max_length=12, choices=RecipientKind.choices)
    recipient = models.CharField(_("recipient"), max_length=200)
    content = models.TextField(_("content"))
    sent_at = models.DateTimeField(_("sent at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()


class AckLink(models.Model):
    """A one-tap acknowledgement link sent in a message: signed, single-use, expiring."""

    recipient = models.ForeignKey(Recipient, on_delete=models.CASCADE, related_name="ack_links")
    nonce_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

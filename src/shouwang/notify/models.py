"""Outbox: a Message makes one Delivery per recipient per channel, stored before anything is sent.
The delivery sweep (notify.sweep) sends them, at least once, with an idempotency key."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INAPP = "inapp", _("In-app inbox")
    EMAIL = "email", _("Email")
    WECOM = "wecom", _("WeCom group bot")
    DINGTALK = "dingtalk", _("DingTalk robot")
    FEISHU = "feishu", _("Feishu bot")
    WEBHOOK = "webhook", _("Signed webhook")
    SMS = "sms", _("SMS")
    # Personal work messages from the school's own application: to one person, not a group,
    # with a button that acknowledges (notify.providers.wecom_app, dingtalk_app, feishu_app).
    WECOM_APP = "wecom_app", _("WeCom app message (to me)")
    DINGTALK_APP = "dingtalk_app", _("DingTalk work notification (to me)")
    FEISHU_APP = "feishu_app", _("Feishu app message (to me)")


# A person without an id in the work app, or one the app refuses, falls back to their next
# channel at once instead of waiting its turn (services.deliveries_fall_back).
WORK_APP_CHANNELS = (Channel.WECOM_APP, Channel.DINGTALK_APP, Channel.FEISHU_APP)


class Message(models.Model):
    kind = models.CharField(max_length=40)  # e.g. "report.ack_request", "report.info"
    subject_type = models.CharField(max_length=50)
    subject_id = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["subject_type", "subject_id"])]


class Delivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to send")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        # Taken by a provider that answers later (DingTalk's asynchronous work notifications):
        # sent or failed once the provider says so (dingtalk_app.results_poll).
        ACCEPTED = "accepted", _("Accepted, waiting for the provider's answer")

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="deliveries")
    # Indexed by (recipient, channel, read_at) below; a second index on recipient alone would
    # only cost every insert.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="deliveries",
        db_index=False,
    )
    channel = models.CharField(max_length=20, choices=Channel.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    # Not before this time: later channels of a personal rule wait their turn (OnCall-style).
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    read_at = models.DateTimeField(null=True, blank=True)  # in-app: when the person opened it
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="delivery_pending_due",
            ),
            # Every tick asks how many went out per channel in the last minute (rate limits) and
            # which sends are stuck: without these both would read the whole table, which only
            # grows. In-app rows are never claimed, so they stay out of the first.
            models.Index(
                fields=["channel", "claimed_at"],
                condition=Q(claimed_at__isnull=False),
                name="delivery_claimed_per_channel",
            ),
            models.Index(
                fields=["claimed_at"], condition=Q(state="sending"), name="delivery_sending_since"
            ),
            models.Index(fields=["recipient", "channel", "read_at"]),
        ]


class NotificationRule(models.Model):
    """A person's own policy (like Grafana OnCall's): which channel, in which order, and how long
    to wait before the next. No rules → in-app and email at once, SMS after 5 minutes."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_rules"
    )
    position = models.PositiveSmallIntegerField()
    channel = models.CharField(max_length=20, choices=Channel.choices)
    wait_minutes = models.PositiveIntegerField(
        default=0, help_text=_("minutes after the previous channel")
    )

    class Meta:
        ordering = ["person", "position"]
        constraints = [
            models.UniqueConstraint(fields=["person", "position"], name="rule_position_unique")
        ]

    def __str__(self):
        return f"{self.person} #{self.position} {self.channel} +{self.wait_minutes}min"


class BotEndpoint(models.Model):
    """A group chat robot of a unit (a college's WeCom group, a dorm building's DingTalk group).
    A person's bot deliveries go to the robot of the nearest unit where they hold a post."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom group bot")
        DINGTALK = "dingtalk", _("DingTalk robot")
        FEISHU = "feishu", _("Feishu bot")

    unit = models.ForeignKey(
        "org.Unit", on_delete=models.CASCADE, related_name="bots", verbose_name=_("unit")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("webhook address"), max_length=500)
    # DingTalk's and Feishu's signing secret. Never logged, never put in an error or event.
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Off by default: everyone in the group reads what the robot posts (seed 003, 保护学生隐私).
    include_names = models.BooleanField(
        _("show students' names, numbers and phones in this group"),
        default=False,
        help_text=_(
            "Everyone in the group chat will read the names, student numbers and phone "
            "numbers of the students in each alert, and the one-tap acknowledgement link. "
            "Leave off to post only the class, the kind of alert and a link that needs "
            "log-in."
        ),
    )

    class Meta:
        verbose_name = _("group bot")
        verbose_name_plural = _("group bots")

    def __str__(self):
        return f"{self.name} ({self.get_kind_display()})"


class WebhookEndpoint(models.Model):
    """A school system that wants every delivery as a signed JSON POST (duty screen, OA, …)."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("address"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self):
        return self.name


class WorkApp(models.Model):
    """The school's own application in WeCom, DingTalk or Feishu, which sends personal work
    messages. One per kind (a deployment serves one school). The secret and the cached access
    token are never logged, never put in an error or event, and never shown again in the admin."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("WeCom (企业微信) application")
        DINGTALK = "dingtalk", _("DingTalk (钉钉) application")
        FEISHU = "feishu", _("Feishu (飞书) application")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, unique=True)
    app_id = models.CharField(
        _("corp ID / app key / app ID"),
        max_length=100,
        help_text=_("WeCom: the corp ID; DingTalk: the app key; Feishu: the app ID."),
    )
    secret = models.CharField(_("application secret"), max_length=200, blank=True)
    agent_id = models.CharField(
        _("agent ID"),
        max_length=40,
        blank=True,
        help_text=_("WeCom and DingTalk: the application's agent ID."),
    )
    api_base = models.URLField(
        _("API address"),
        max_length=300,
        blank=True,
        help_text=_(
            "Leave empty for the public service; a private deployment "
            "(e.g. WeCom for education on the school's servers) gives its own."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # The provider's access token, shared by every worker until it expires.
    access_token = models.CharField(max_length=600, blank=True, editable=False)
    token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    tokens_fetched = models.PositiveIntegerField(default=0, editable=False)
    # Set when the provider refused the credentials: sends fail at once (no request storm)
    # until an administrator saves the application again.
    credentials_error = models.CharField(max_length=300, blank=True, editable=False)

    class Meta:
        verbose_name = _("work application")
        verbose_name_plural = _("work applications")

    def __str__(self):
        return self.get_kind_display()


class WorkIdentity(models.Model):
    """A person's user id in a work application: imported, set by an administrator, or found by
    their mobile number through the application's directory API. An empty id means the
    directory did not know them when last asked (asked again after a day)."""

    class Source(models.TextChoices):
        ADMIN = "admin", _("Set by an administrator")
        DIRECTORY = "directory", _("Matched by mobile number through the directory")
        IMPORT = "import", _("Imported with the staff list")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="work_identities",
        verbose_name=_("person"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=WorkApp.Kind.choices)
    external_id = models.CharField(_("user ID in the application"), max_length=100, blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.ADMIN
    )
    checked_at = models.DateTimeField(_("checked at"))

    class Meta:
        verbose_name = _("work application user ID")
        verbose_name_plural = _("work application user IDs")
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="work_identity_unique")
        ]

    def __str__(self):
        return f"{self.person} {self.kind}:{self.external_id or '-'}"

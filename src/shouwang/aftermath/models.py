"""After an incident (R-AFTER-1…3): its aftermath (investigation and the care items of seed 000
§4), the 复盘 review (seed 003 §5, seed 004) and corrective actions (整改) followed through
"部署、落实、检查、反馈" and supervised by colour (三色督办).

A corrective action names its source as a plain (source_type, source_id) pair — a review now;
drills, hazard campaigns and directives later — so one model serves them all without a
GenericForeignKey."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shouwang.org.models import LocalizedNameMixin

PERSON = settings.AUTH_USER_MODEL


class AftermathKind(LocalizedNameMixin, models.Model):
    """A kind of aftermath item (data: seed 000 §4.2 ships four; the office may add more).
    The owner is found from posts: `owner_roles` at `owner_at` (a unit kind, e.g. college, or
    "office:<function>") around the incident's unit."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    owner_roles = models.JSONField(_("owner roles"), default=list)
    owner_at = models.CharField(_("owner at"), max_length=60)
    due_days = models.PositiveSmallIntegerField(_("due in days"), default=7)
    sort_order = models.IntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("aftermath kind")
        verbose_name_plural = _("aftermath kinds")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class Aftermath(models.Model):
    """Opened when an incident closes, or when a major report is handled without an incident."""

    incident = models.OneToOneField(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="aftermath",
    )
    report = models.ForeignKey(
        "reports.Report", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    opened_at = models.DateTimeField(_("opened at"))
    # Investigation (seed 000 §4.1): cause, process and consequences.
    cause = models.TextField(_("cause"), blank=True)
    process = models.TextField(_("process"), blank=True)
    consequences = models.TextField(_("consequences"), blank=True)
    investigation_by = models.ForeignKey(
        PERSON, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    investigation_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("aftermath")
        verbose_name_plural = _("aftermaths")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report"],
                condition=Q(incident__isnull=True),
                name="aftermath_once_per_report",
            )
        ]

    def __str__(self):
        return self.title


class AftermathAttachment(models.Model):
    """Evidence for the investigation, checked as report attachments are (type from the bytes)."""

    aftermath = models.ForeignKey(Aftermath, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="aftermath/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()


class AftermathItem(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("not started")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")

    aftermath = models.ForeignKey(Aftermath, on_delete=models.CASCADE, related_name="items")
    kind = models.ForeignKey(AftermathKind, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="aftermath_items")
    owner_unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Set when nobody held the kind's post and the item went to the incident's office instead.
    stands_in_for = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(_("status"), max_length=12, choices=State.choices, default=State.OPEN)
    note = models.TextField(_("note"), blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)  # when the owner's leader was told

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["aftermath", "kind"], name="aftermath_item_once_per_kind"
            )
        ]

    def __str__(self):
        return self.title

    def is_overdue(self, now) -> bool:
        return self.state != self.State.DONE and self.due_at <= now


class Review(models.Model):
    """复盘: started when an incident closes, owned by the plan's office, signed off by the
    group head and then frozen; later amendments are new rows and events, never edits."""

    class State(models.TextChoices):
        DRAFT = "draft", _("in progress")
        SIGNED = "signed", _("signed off")

    aftermath = models.OneToOneField(Aftermath, on_delete=models.CASCADE, related_name="review")
    incident = models.OneToOneField(
        "incidents.Incident", on_delete=models.PROTECT, related_name="review"
    )
    owner = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField()
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    # What the record said when the review started (times, escalations, misses, items, findings).
    facts = models.JSONField(default=dict)
    signed_by = models.ForeignKey(
        PERSON, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-started_at", "-pk"]

    @property
    def is_frozen(self) -> bool:
        return self.state == self.State.SIGNED


# The seven sections of seed 003 §5(四): key, title. All must have text before sign-off.
SECTIONS = [
    ("basic", _("Basic facts of the event")),
    ("response", _("Emergency response")),
    ("care", _("Aftermath care")),
    ("duty", _("Fulfilment of education and management duties")),
    ("opinion", _("Public-opinion control")),
    ("responsibility", _("Responsibility")),
    ("improvement", _("Improvements")),
]
SECTION_KEYS = [k for k, _t in SECTIONS]


class ReviewSection(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="sections")
    key = models.CharField(max_length=20)
    position = models.PositiveSmallIntegerField()
    text = models.TextField(blank=True)
    prefilled = models.BooleanField(default=False)  # the text is still what the record wrote
    updated_by = models.ForeignKey(
        PERSON, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["review", "key"], name="review_section_once")
        ]

    @property
    def title(self):
        return dict(SECTIONS).get(self.key, self.key)


class ReviewAmendment(models.Model):
    """A later correction to a frozen review: appended, never replacing the signed text."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="amendments")
    section = models.CharField(max_length=20)
    text = models.TextField()
    by = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]


class CorrectiveAction(models.Model):
    """整改: 部署 (issued) → 落实 (being carried out) → 检查 (submitted, the issuer inspects) →
    反馈 (accepted). Sent back goes to 落实 with the reason. Colour (三色督办) is set by the
    engine's deadlines: yellow at 30 % of the time left without a progress report, orange at
    15 % (the owner's leader is told), red when overdue (the issuer's leader is told)."""

    class State(models.TextChoices):
        DEPLOYED = "deployed", _("deployed")
        IMPLEMENTING = "implementing", _("being carried out")
        INSPECTING = "inspecting", _("awaiting inspection")
        ACCEPTED = "accepted", _("accepted (feedback)")

    class Colour(models.TextChoices):
        GREEN = "green", _("on track")
        YELLOW = "yellow", _("yellow")
        ORANGE = "orange", _("orange")
        RED = "red", _("red")

    OPEN_STATES = (State.DEPLOYED, State.IMPLEMENTING, State.INSPECTING)

    source_type = models.CharField(max_length=40)  # e.g. "aftermath.review"
    source_id = models.CharField(max_length=64)
    title = models.CharField(_("title"), max_length=200)
    requirement = models.TextField(_("what must be done"))
    evidence_required = models.TextField(_("evidence required"))
    issuer = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="actions_issued")
    owner_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name=_("owner unit")
    )
    owner = models.ForeignKey(
        PERSON, on_delete=models.PROTECT, related_name="actions_owned", verbose_name=_("owner")
    )
    created_at = models.DateTimeField()
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(
        _("status"), max_length=12, choices=State.choices, default=State.DEPLOYED
    )
    colour = models.CharField(
        _("colour"), max_length=6, choices=Colour.choices, default=Colour.GREEN
    )
    last_progress_at = models.DateTimeField(null=True, blank=True)
    evidence_text = models.TextField(_("evidence"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        PERSON, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    red_at = models.DateTimeField(null=True, blank=True)  # first time it went red (a statistic)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["source_type", "source_id"]),
            models.Index(fields=["state", "due_at"]),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class ActionStep(models.Model):
    """The record of an action after it was issued: progress reports, submissions, the
    inspection's verdict (accepted, or sent back with the reason)."""

    class Kind(models.TextChoices):
        PROGRESS = "progress", _("progress report")
        SUBMITTED = "submitted", _("submitted for inspection")
        SENT_BACK = "sent_back", _("sent back")
        ACCEPTED = "accepted", _("accepted (feedback)")

    action = models.ForeignKey(CorrectiveAction, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField()
    by = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]


class ActionEvidence(models.Model):
    action = models.ForeignKey(CorrectiveAction, on_delete=models.CASCADE, related_name="evidence")
    step = models.ForeignKey(
        ActionStep, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    file = models.FileField(upload_to="actions/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

"""An incident is a plan put to work (R-PLAN-3): its command group resolved from posts, every
applicable step a Task with an owner and a deadline the engine chases, and the record of
decisions, situation, arrivals, reports upward and public statements."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

PERSON = settings.AUTH_USER_MODEL


class Incident(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    title = models.CharField(_("title"), max_length=200)
    plan_version = models.ForeignKey(
        "plans.PlanVersion",
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("plan"),
    )
    level = models.CharField(_("level"), max_length=5)
    event_type = models.CharField(_("event type"), max_length=60, blank=True)
    unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="incidents", verbose_name=_("unit")
    )
    report = models.ForeignKey(
        "reports.Report",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("from report"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    activated_by = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    activated_at = models.DateTimeField(_("activated at"))
    closed_by = models.ForeignKey(
        PERSON, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-activated_at"]

    def __str__(self):
        return f"#{self.pk} {self.title}"

    @property
    def plan(self) -> dict:
        return self.plan_version.document

    def level_name(self) -> str:
        return next(
            (lv["name"] for lv in self.plan["levels"] if lv["code"] == self.level), self.level
        )


class GroupMember(models.Model):
    """A seat of the command group (组长/副组长/成员/办公室) and who fills it (R-ORG-3)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="group")
    position = models.CharField(max_length=10)  # head | deputy | member | office
    title = models.CharField(max_length=50)
    person = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=40)
    # Set when the plan's post was vacant and the seat went to the next higher post.
    stands_in_for = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "position", "title", "person"], name="group_seat_once"
            )
        ]


class Task(models.Model):
    class Kind(models.TextChoices):
        STEP = "step", _("step")
        EXTERNAL_REPORT = "external", _("report upward")

    class State(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.STEP)
    step_id = models.CharField(max_length=60)
    phase = models.CharField(max_length=20, blank=True)
    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(blank=True)
    recipient = models.CharField(max_length=200, blank=True)  # for reports upward: to whom
    assignee = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="incident_tasks")
    stands_in_for = models.CharField(max_length=200, blank=True)
    mandatory = models.BooleanField(default=True)
    added_at_level = models.CharField(max_length=5)
    created_at = models.DateTimeField()
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        PERSON, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)  # when the head was told

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "step_id"], name="task_once_per_step")
        ]

    def __str__(self):
        return self.title

    def is_overdue(self, now) -> bool:
        return self.state == self.State.OPEN and self.due_at <= now


class Decision(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="decisions")
    decision_id = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    option = models.CharField(_("decision"), max_length=300)
    is_free_text = models.BooleanField(default=False)
    reason = models.TextField(_("reason"))
    authority = models.CharField(_("on whose authority"), max_length=200, blank=True)
    decided_by = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at", "pk"]


class SituationUpdate(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="situation")
    at = models.DateTimeField()
    author = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    people_involved = models.PositiveIntegerField(null=True, blank=True)
    injured = models.PositiveIntegerField(null=True, blank=True)
    dead = models.PositiveIntegerField(null=True, blank=True)
    trend = models.CharField(max_length=200, blank=True)
    place = models.CharField(max_length=200, blank=True)
    text = models.TextField()

    class Meta:
        ordering = ["-at", "-pk"]


class Arrival(models.Model):
    """已到场: when a responsible person reached the scene (first time on scene is measured)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="arrivals")
    person = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]
        constraints = [models.UniqueConstraint(fields=["incident", "person"], name="arrival_once")]


class OutboundReport(models.Model):
    """A report sent upward outside the school (R-REP-6): to whom, when, what."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="outbound_reports"
    )
    task = models.ForeignKey(
        Task, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient = models.CharField(_("recipient"), max_length=200)
    sent_at = models.DateTimeField(_("sent at"))
    content = models.TextField(_("content"))
    recorded_by = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["sent_at", "pk"]


class Release(models.Model):
    """An external statement (R-PLAN-6): anyone in the incident drafts; only the publicity
    office publishes, and the time and channel of publication are kept."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="releases")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    drafted_by = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField()
    published_by = models.ForeignKey(
        PERSON, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=100, blank=True)

    class Meta:
        ordering = ["-drafted_at", "-pk"]


class MediaRequest(models.Model):
    """A journalist's interview request, logged with the decision (接受/拒绝采访)."""

    class Decision(models.TextChoices):
        PENDING = "", _("not decided")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="media_requests")
    outlet = models.CharField(_("outlet"), max_length=200)
    requested_at = models.DateTimeField(_("requested at"))
    topic = models.TextField(_("topic"), blank=True)
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, blank=True, default=""
    )
    decision_note = models.TextField(_("note"), blank=True)
    logged_by = models.ForeignKey(PERSON, on_delete=models.PROTECT, related_name="+")
    decided_by = models.ForeignKey(
        PERSON, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]

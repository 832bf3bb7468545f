"""A hazard campaign (风险隐患大排查, R-STU-3): an office (学生处, 保卫处) sends a checklist to a
set of units with a due date; each unit's responsible post answers every item once; a problem found
becomes a corrective action (aftermath), and a unit that does not answer is reminded and then
escalated on the deadline engine (deadlines.py)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.aftermath.models import CorrectiveAction
from shouwang.org.models import Unit


class Campaign(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("under way")
        CLOSED = "closed", _("closed")

    title = models.CharField(_("title"), max_length=200)
    instructions = models.TextField(_("instructions"), blank=True)
    template = models.CharField(_("checklist"), max_length=40, blank=True)
    issuer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="campaigns_issued"
    )
    issuer_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    due_at = models.DateTimeField(_("due at"))
    # Days a unit has to put right a problem it found (the corrective action's due date).
    fix_days = models.PositiveSmallIntegerField(_("days to put a problem right"), default=14)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.title


class CampaignItem(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=40, blank=True)
    title = models.CharField(_("item"), max_length=100)

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "position"], name="campaign_item_position")
        ]

    def __str__(self):
        return self.title


class CampaignUnit(models.Model):
    """One unit asked to answer; `role` is the post (frozen at issue) whose holders answer."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="units")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=40)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["campaign", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit"], name="campaign_unit_once")
        ]

    def __str__(self):
        return f"{self.campaign_id}:{self.unit_id}"

    @property
    def due_at(self):
        return self.campaign.due_at


class CampaignAnswer(models.Model):
    assignment = models.ForeignKey(CampaignUnit, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(CampaignItem, on_delete=models.PROTECT, related_name="answers")
    has_problem = models.BooleanField(_("problem found"))
    description = models.TextField(_("description"), blank=True)
    measure = models.TextField(_("measure taken"), blank=True)
    # The corrective action the problem became (issued through aftermath's service).
    action = models.ForeignKey(
        CorrectiveAction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["assignment", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "item"], name="campaign_answer_once")
        ]

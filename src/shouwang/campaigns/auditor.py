"""The auditor's check for campaigns (kinds.register_check): a unit of an open campaign that has
neither answered nor been marked late, and has no live `campaign_overdue` deadline, would never
be chased. find() lists them with one anti-join; repair() puts the deadline back (at the due
date, or now if that has passed) with an event on the campaign."""

from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast

from shouwang.audit.services import event_record
from shouwang.escalation.models import Deadline

from . import deadlines as d
from .models import Campaign, CampaignUnit

LIVE = [Deadline.State.OPEN, Deadline.State.CLAIMED]


def _missing():
    live = Deadline.objects.filter(
        subject_type=d.SUBJECT,
        kind=d.OVERDUE,
        state__in=LIVE,
        subject_id=Cast(OuterRef("pk"), CharField()),
    )
    return CampaignUnit.objects.filter(
        campaign__state=Campaign.State.OPEN,
        answered_at__isnull=True,
        overdue_at__isnull=True,
    ).filter(~Exists(live))


def units_without_deadline() -> list[str]:
    return [f"{d.SUBJECT}:{pk}" for pk in _missing().order_by("pk").values_list("pk", flat=True)]


def units_repair(*, now, **kwargs) -> int:
    repaired = 0
    for a in _missing().select_related("campaign", "unit").order_by("pk"):
        fence = Deadline.objects.filter(
            subject_type=d.SUBJECT, subject_id=str(a.pk), kind=d.OVERDUE
        ).count()
        try:
            with transaction.atomic():
                Deadline.objects.create(
                    kind=d.OVERDUE,
                    subject_type=d.SUBJECT,
                    subject_id=str(a.pk),
                    fence=fence,
                    due_at=max(a.campaign.due_at, now),
                    created_at=now,
                )
                event_record(
                    actor=None,
                    subject=a.campaign,
                    verb="auditor.deadline_restored",
                    at=now,
                    data={"kind": d.OVERDUE, "subject": f"{d.SUBJECT}:{a.pk}", "unit": a.unit.code},
                )
        except IntegrityError:
            continue  # restored meanwhile by another worker
        repaired += 1
    return repaired

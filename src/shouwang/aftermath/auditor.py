"""The auditor's checks for aftermath obligations (kinds.register_check): an open item, an
unsigned review or an open corrective action whose final deadline row is gone would never
escalate, and nobody would notice. find() lists them with one anti-join each; repair() puts
the deadline back (due at its own time, or now if that has passed) with an event."""

from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast

from shouwang.audit.services import event_record
from shouwang.escalation.models import Deadline

from . import deadlines as d
from .models import AftermathItem, CorrectiveAction, Review

LIVE = [Deadline.State.OPEN, Deadline.State.CLAIMED]


def _missing(model, subject_type, kind, **open_filter):
    live = Deadline.objects.filter(
        subject_type=subject_type,
        kind=kind,
        state__in=LIVE,
        subject_id=Cast(OuterRef("pk"), CharField()),
    )
    return model.objects.filter(**open_filter).filter(~Exists(live))


def _items():
    return _missing(AftermathItem, d.ITEM_SUBJECT, d.ITEM_OVERDUE, overdue_at__isnull=True).exclude(
        state=AftermathItem.State.DONE
    )


def _reviews():
    return _missing(
        Review,
        d.REVIEW_SUBJECT,
        d.REVIEW_OVERDUE,
        overdue_at__isnull=True,
        state=Review.State.DRAFT,
    )


def _actions():
    return _missing(
        CorrectiveAction,
        d.ACTION_SUBJECT,
        d.ACTION_RED,
        red_at__isnull=True,
        state__in=[CorrectiveAction.State.DEPLOYED, CorrectiveAction.State.IMPLEMENTING],
    )


CHECKS = [
    (_items, d.ITEM_SUBJECT, d.ITEM_OVERDUE, "aftermath"),
    (_reviews, d.REVIEW_SUBJECT, d.REVIEW_OVERDUE, None),
    (_actions, d.ACTION_SUBJECT, d.ACTION_RED, None),
]


def obligations_without_deadline() -> list[str]:
    return [
        f"{subject_type}:{pk}"
        for query, subject_type, _k, _s in CHECKS
        for pk in query().order_by("pk").values_list("pk", flat=True)
    ]


def obligations_repair(*, now, **kwargs) -> int:
    repaired = 0
    for query, subject_type, kind, via in CHECKS:
        for obj in query().order_by("pk"):
            fence = Deadline.objects.filter(
                subject_type=subject_type, subject_id=str(obj.pk), kind=kind
            ).count()
            try:
                with transaction.atomic():
                    Deadline.objects.create(
                        kind=kind,
                        subject_type=subject_type,
                        subject_id=str(obj.pk),
                        fence=fence,
                        due_at=max(obj.due_at, now),
                        created_at=now,
                    )
                    event_record(
                        actor=None,
                        subject=getattr(obj, via) if via else obj,
                        verb="auditor.deadline_restored",
                        at=now,
                        data={"kind": kind, "subject": f"{subject_type}:{obj.pk}"},
                    )
            except IntegrityError:
                continue  # restored meanwhile by another worker
            repaired += 1
    return repaired

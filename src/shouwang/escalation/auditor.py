"""Looks for what should have happened (Grafana OnCall added one after losing escalations):
every report still waiting for an acknowledgement must have a live deadline. With claim, act
and record in one transaction this should never find anything; if it does, it says so on the
report's timeline and puts the missing deadline back so the chain moves on."""

from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast

from shouwang.audit.services import event_record

from .models import Deadline


def _live_deadline(report_pk):
    return Deadline.objects.filter(subject_type="reports.report", subject_id=report_pk,
                                   state__in=[Deadline.State.OPEN, Deadline.State.CLAIMED])


def reports_without_deadline() -> list[int]:
    """Pks of waiting reports with no live deadline: one anti-join in the database (one
    snapshot, no table brought into Python), so its cost follows the waiting reports only."""
    from shouwang.reports.models import Report

    # subject_id is text; compare as text on both databases.
    live = _live_deadline(Cast(OuterRef("pk"), CharField()))
    return list(Report.objects.filter(ack_state=Report.AckState.WAITING).filter(~Exists(live))
                .order_by("pk").values_list("pk", flat=True))


def route_audit(*, now, **kwargs) -> int:
    from shouwang.reports.models import Report

    repaired = 0
    for pk in reports_without_deadline():
        with transaction.atomic():
            report = Report.objects.select_for_update().get(pk=pk)
            if report.ack_state != Report.AckState.WAITING:
                continue
            # Never routed (accepted for the worker to route): the route deadline comes back;
            # otherwise the acknowledgement deadline of its current step.
            kind = "report_ack" if report.route else "report_route"
            try:
                with transaction.atomic():
                    Deadline.objects.create(kind=kind, subject_type="reports.report", subject_id=str(report.pk),
                                            fence=report.current_step if report.route else 0, due_at=now,
                                            created_at=now)
            except IntegrityError:
                # A deadline for this step exists: done (nothing safe to repair), or made since
                # the look (the report moved on meanwhile).
                continue
            event_record(actor=None, subject=report, verb="auditor.deadline_restored", at=now,
                         data={"step": report.current_step, "kind": kind})
            repaired += 1
    return repaired

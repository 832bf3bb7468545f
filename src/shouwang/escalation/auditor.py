"""Looks for what should have happened (Grafana OnCall added one after losing escalations):
every report still waiting for an acknowledgement must have a live deadline. With claim, act
and record in one transaction this should never find anything; if it does, it says so on the
report's timeline and puts the missing deadline back so the chain moves on."""

from django.db import IntegrityError, transaction

from shouwang.audit.services import event_record

from .models import Deadline


def reports_without_deadline():
    from shouwang.reports.models import Report

    live = Deadline.objects.filter(
        subject_type="reports.report", state__in=[Deadline.State.OPEN, Deadline.State.CLAIMED]
    ).values("subject_id")
    # subject_id is text; compare as text on both databases.
    waiting = Report.objects.filter(ack_state=Report.AckState.WAITING)
    live_ids = set(live.values_list("subject_id", flat=True))
    return [r for r in waiting.only("pk", "current_step", "route") if str(r.pk) not in live_ids]


def route_audit(*, now, **kwargs) -> int:
    from shouwang.reports.models import Report

    repaired = 0
    for report in reports_without_deadline():
        with transaction.atomic():
            report = Report.objects.select_for_update().get(pk=report.pk)
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
                continue  # a deadline for this step exists (done): nothing safe to repair
            event_record(actor=None, subject=report, verb="auditor.deadline_restored", at=now,
                         data={"step": report.current_step, "kind": kind})
            repaired += 1
    return repaired

"""未及时到位: an acknowledgement missed, or an on-scene step reached late or never."""

from shouwang.incidents.models import Arrival, Task
from shouwang.reports.models import Recipient

from ..models import Finding
from .common import INCIDENT, ON_SCENE_STEP, REPORT, Proposal, _minutes


def ack_misses(report_ids, reports_by_pk) -> list[Proposal]:
    out = []
    rows = (
        Recipient.objects.filter(
            report_id__in=report_ids, missed_at__isnull=False, purpose=Recipient.Purpose.ACK
        )
        .order_by("missed_at")
        .values_list("report_id", "person_id", "missed_at", "step")
    )
    seen = set()
    for report_id, person_id, missed_at, step in rows:
        if (report_id, person_id) in seen:
            continue
        seen.add((report_id, person_id))
        r = reports_by_pk[report_id]
        out.append(
            Proposal(
                kind=Finding.Kind.LATE_ARRIVAL,
                subject_type=REPORT,
                subject_id=str(report_id),
                person_id=person_id,
                unit_id=r.unit_id,
                occurred_at=missed_at,
                report_id=report_id,
                detail="ack_missed",
                summary=f"#{report_id} {r.category.name}：未在时限内确认收到（第 {step + 1} 级）",
                facts={"step": step},
                verbs=("route.step_started", "deadline.missed"),
                evidence_persons=True,
            )
        )
    return out


def arrivals(incidents, now) -> list[Proposal]:
    ids = [i.pk for i in incidents]
    by_pk = {i.pk: i for i in incidents}
    arrived = {
        (a.incident_id, a.person_id): a.at for a in Arrival.objects.filter(incident_id__in=ids)
    }
    out, seen = [], set()
    for t in Task.objects.filter(incident_id__in=ids).order_by("due_at", "pk"):
        if not ON_SCENE_STEP.search(t.step_id) or (t.incident_id, t.assignee_id) in seen:
            continue
        at = arrived.get((t.incident_id, t.assignee_id))
        incident = by_pk[t.incident_id]
        if at is not None and at > t.due_at:
            detail, summary = (
                "arrival_late",
                f"{incident.title}：{_minutes(at - t.due_at)} 分钟后才到场（{t.title}）",
            )
        elif at is None and t.due_at <= now:
            detail, summary = "arrival_missing", f"{incident.title}：未到场（{t.title}）"
        else:
            continue
        seen.add((t.incident_id, t.assignee_id))
        out.append(
            Proposal(
                kind=Finding.Kind.LATE_ARRIVAL,
                subject_type=INCIDENT,
                subject_id=str(t.incident_id),
                person_id=t.assignee_id,
                unit_id=incident.unit_id,
                occurred_at=t.due_at,
                incident_id=t.incident_id,
                detail=detail,
                summary=summary[:300],
                facts={
                    "task": t.pk,
                    "step": t.step_id,
                    "due_at": t.due_at.isoformat(),
                    "arrived_at": at.isoformat() if at else None,
                },
                verbs=(
                    "incident.activated",
                    "incident.tasks_created",
                    "task.overdue",
                    "arrival.recorded",
                ),
            )
        )
    return out

"""Opening an aftermath, from the incidents and reports hooks (inside their transactions): an
incident closed → its aftermath (one item per active AftermathKind, owners by
`owners.item_owner`, deadlines on the engine) and its 复盘 review; a 重大/特别重大 report
handled locally (no incident) → an aftermath alone. Opening is recorded on the aftermath and
on the incident's (or report's) own timeline."""

from datetime import timedelta

from django.utils.translation import gettext as _

from shouwang.audit.services import batched_events, event_record
from shouwang.escalation.services import deadlines_schedule
from shouwang.notify.services import message_send

from .. import deadlines
from ..models import Aftermath, AftermathItem, AftermathKind
from ..owners import item_owner
from .review import review_start

MAJOR = ("major", "critical")  # 重大, 特别重大


def _seat(incident, *positions):
    for position in positions:
        member = (
            incident.group.filter(position=position).select_related("person").order_by("pk").first()
        )
        if member is not None:
            return member.person
    return None


def _open(*, actor, incident, report, unit, title, fallback, now) -> Aftermath:
    aftermath = Aftermath.objects.create(
        incident=incident, report=report, unit=unit, title=title[:200], opened_at=now
    )
    items = []
    for kind in AftermathKind.objects.filter(is_active=True):
        owner, owner_unit, stands_in = item_owner(
            kind, unit=unit, report=report, fallback=fallback, now=now
        )
        items.append(
            AftermathItem.objects.create(
                aftermath=aftermath,
                kind=kind,
                title=kind.name,
                owner=owner,
                owner_unit=owner_unit,
                stands_in_for=stands_in,
                created_at=now,
                due_at=now + timedelta(days=kind.due_days),
            )
        )
    deadlines_schedule(
        deadlines=[row for i in items for row in deadlines.item_deadlines(i, now)], now=now
    )
    event_record(
        actor=actor,
        subject=aftermath,
        verb="aftermath.opened",
        at=now,
        data={
            "incident": incident.pk if incident else None,
            "report": report.pk if report else None,
            "items": [
                {
                    "item": i.pk,
                    "kind": i.kind.code,
                    "owner": i.owner_id,
                    "due_at": i.due_at.isoformat(),
                    "stands_in_for": i.stands_in_for,
                }
                for i in items
            ],
        },
    )
    people = [i.owner for i in items]
    if people:
        message_send(
            subject_type="aftermath.aftermath",
            subject_id=aftermath.pk,
            kind="aftermath.opened",
            title=_("[Aftermath] %(title)s") % {"title": aftermath.title},
            body=_("Aftermath items were assigned to you; open the aftermath page."),
            url=f"/aftermath/{aftermath.pk}/",
            recipients=list({p.pk: p for p in people}.values()),
            now=now,
        )
    return aftermath


def on_incident_closed(*, actor, incident, now) -> None:
    """incidents.hooks: an incident closed → its aftermath (items on the engine) and its 复盘
    review (a deadline 7 days on, owned by the plan's office, pre-filled from the record)."""
    if Aftermath.objects.filter(incident=incident).exists():
        return
    office = _seat(incident, "office", "deputy", "head") or actor
    with batched_events():
        aftermath = _open(
            actor=actor,
            incident=incident,
            report=incident.report,
            unit=incident.unit,
            title=incident.title,
            fallback=office,
            now=now,
        )
        event_record(
            actor=actor,
            subject=incident,
            verb="aftermath.opened",
            at=now,
            data={"aftermath": aftermath.pk},
        )
        review_start(incident=incident, aftermath=aftermath, owner=office, now=now)


def on_report_decided(*, actor, report, decision, now) -> None:
    """reports.hooks: a 重大/特别重大 report handled locally (no incident) still has an
    aftermath."""
    if decision != "local" or report.severity not in MAJOR:
        return
    if Aftermath.objects.filter(report=report, incident__isnull=True).exists():
        return
    with batched_events():
        aftermath = _open(
            actor=actor,
            incident=None,
            report=report,
            unit=report.unit,
            title=_("%(category)s at %(place)s")
            % {"category": report.category.name, "place": report.place},
            fallback=actor,
            now=now,
        )
        event_record(
            actor=actor,
            subject=report,
            verb="aftermath.opened",
            at=now,
            data={"aftermath": aftermath.pk},
        )

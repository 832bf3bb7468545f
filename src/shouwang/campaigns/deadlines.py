"""A campaign's obligations on the one deadline engine (ARCHITECTURE.md: register_kind). Each
unit asked gets two Deadline rows in the transaction that issues the campaign:

- `campaign_remind`, before the due date (a day before, or a third of the time given when that
  is shorter): the holders of the unit's responsible post are reminded;
- `campaign_overdue`, at the due date: the unit is marked late and the responsible holders,
  their superior (the college's head for its deputy secretary) and the issuer are told.

Answering (or closing the campaign) cancels them; an act that finds the unit answered or the
campaign closed does nothing and says so on the deadline ("superseded").
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.aftermath.owners import leader_of
from shouwang.audit.services import event_record
from shouwang.notify.services import message_send
from shouwang.org.models import Post

from .models import Campaign, CampaignUnit

SUBJECT = "campaigns.unit"
REMIND, OVERDUE = "campaign_remind", "campaign_overdue"
MIN_LEAD = timedelta(minutes=3)


def unit_deadlines(assignment, *, due_at, now) -> list[dict]:
    rows = []
    lead = min(timedelta(days=1), (due_at - now) / 3)
    if lead >= MIN_LEAD:
        rows.append(
            {
                "kind": REMIND,
                "subject_type": SUBJECT,
                "subject_id": assignment.pk,
                "due_at": due_at - lead,
            }
        )
    rows.append(
        {"kind": OVERDUE, "subject_type": SUBJECT, "subject_id": assignment.pk, "due_at": due_at}
    )
    return rows


def holders(assignment, *, now=None) -> list:
    """The people answering for the unit now (current holders of its responsible post)."""
    return holders_of([assignment], now=now).get(assignment.pk, [])


def holders_of(assignments, *, now=None) -> dict[int, list]:
    """{assignment id: its holders} for many units in one query."""
    wanted = {(a.unit_id, a.role): a.pk for a in assignments}
    posts = (
        Post.objects.current(timezone.localdate(now or timezone.now()))
        .filter(
            unit_id__in={a.unit_id for a in assignments},
            role__code__in={a.role for a in assignments},
            person__is_active=True,
        )
        .select_related("person", "role")
        .order_by("pk")
    )
    found: dict[int, dict[int, object]] = {}
    for p in posts:
        pk = wanted.get((p.unit_id, p.role.code))
        if pk is not None:
            found.setdefault(pk, {}).setdefault(p.person_id, p.person)
    return {pk: list(people.values()) for pk, people in found.items()}


def superiors(assignment, people, *, now) -> list:
    """Whom a late unit is escalated to: each holder's leader (aftermath.owners.leader_of), or
    the unit's head when nobody holds the post."""
    found: dict[int, object] = {}
    for person in people:
        for boss in leader_of(person, assignment.unit, now=now):
            found.setdefault(boss.pk, boss)
    if not people:
        for post in (
            Post.objects.current(timezone.localdate(now))
            .filter(unit_id=assignment.unit_id, role__code="leader", person__is_active=True)
            .select_related("person")
        ):
            found.setdefault(post.person_id, post.person)
    return list(found.values())


def _unique(*groups) -> list:
    seen: dict[int, object] = {}
    for group in groups:
        for p in group:
            seen.setdefault(p.pk, p)
    return list(seen.values())


def answer_url(assignment) -> str:
    return f"/campaigns/{assignment.campaign_id}/units/{assignment.unit.code}/"


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%m-%d %H:%M")


def lock_unit(subject_id):
    return (
        CampaignUnit.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("campaign", "campaign__issuer", "unit")
        .filter(pk=subject_id)
        .first()
    )


def _settled(assignment) -> bool:
    return assignment.answered_at is not None or assignment.campaign.state == Campaign.State.CLOSED


def unit_remind(deadline, assignment, now):
    if _settled(assignment):
        return "superseded"
    campaign = assignment.campaign
    people = holders(assignment, now=now)
    assignment.reminded_at = now
    assignment.save(update_fields=["reminded_at"])
    message_send(
        subject_type=SUBJECT,
        subject_id=assignment.pk,
        kind="campaigns.reminder",
        title=_("[Due %(due)s] Hazard campaign: %(title)s")
        % {"due": _local(campaign.due_at), "title": campaign.title},
        body=_("%(unit)s has not answered the checklist yet.") % {"unit": assignment.unit.name},
        url=answer_url(assignment),
        recipients=people,
        now=now,
    )
    event_record(
        actor=None,
        subject=campaign,
        verb="campaign.unit_reminded",
        at=now,
        data={"unit": assignment.unit.code, "to": [p.pk for p in people]},
    )
    return "reminded"


def unit_overdue(deadline, assignment, now):
    if _settled(assignment):
        return "superseded"
    campaign = assignment.campaign
    people = holders(assignment, now=now)
    above = superiors(assignment, people, now=now)
    told = _unique(people, above, [campaign.issuer] if campaign.issuer.is_active else [])
    assignment.overdue_at = now
    assignment.save(update_fields=["overdue_at"])
    message_send(
        subject_type=SUBJECT,
        subject_id=assignment.pk,
        kind="campaigns.overdue",
        title=_("[Overdue] %(unit)s has not answered: %(title)s")
        % {"unit": assignment.unit.name, "title": campaign.title},
        body=_("The checklist was due %(due)s.") % {"due": _local(campaign.due_at)},
        url=answer_url(assignment),
        recipients=told,
        now=now,
    )
    event_record(
        actor=None,
        subject=campaign,
        verb="campaign.unit_overdue",
        at=now,
        data={
            "unit": assignment.unit.code,
            "to": [p.pk for p in told],
            "escalated_to": [p.pk for p in above],
        },
    )
    return "escalated"

"""Every read of hazard campaigns, scoped to the viewer: the issuing office (and the school's
leaders) see a campaign's board; the holders of a unit's responsible post see their unit's
checklist and answer. Anyone else gets 404, as if the campaign did not exist."""

from collections import Counter

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from shouwang.org.models import Post

from . import permissions
from .models import Campaign, CampaignAnswer, CampaignUnit


def _posts(viewer):
    return Post.objects.current().filter(person=viewer)


def _answering(viewer) -> Q:
    """Assignments the viewer answers for (current holder of the unit's post)."""
    pairs = list(_posts(viewer).values_list("unit_id", "role__code"))
    q = Q(pk__in=[])
    for unit_id, role in pairs:
        q |= Q(unit_id=unit_id, role=role)
    return q


def campaigns_overseen(viewer):
    if not getattr(viewer, "is_authenticated", False) or getattr(viewer, "pk", None) is None:
        return Campaign.objects.none()
    if (
        viewer.is_superuser
        or _posts(viewer).filter(role__code__in=permissions.OVERSEER_ROLES).exists()
    ):
        return Campaign.objects.all()
    units = _posts(viewer).values_list("unit_id", flat=True)
    return Campaign.objects.filter(Q(issuer=viewer) | Q(issuer_unit_id__in=list(units)))


def assignments_answering(viewer):
    """The units the viewer answers for, in every campaign."""
    if not getattr(viewer, "is_authenticated", False) or getattr(viewer, "pk", None) is None:
        return CampaignUnit.objects.none()
    return CampaignUnit.objects.filter(_answering(viewer)).select_related("campaign", "unit")


def campaigns_visible(viewer):
    answering = assignments_answering(viewer).values_list("campaign_id", flat=True)
    return Campaign.objects.filter(
        Q(pk__in=campaigns_overseen(viewer).values("pk")) | Q(pk__in=answering)
    )


def _id(pk) -> int:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < pk < 2**63:
        raise Http404
    return pk


def campaign_get(viewer, pk) -> Campaign:
    """A campaign the viewer oversees (the board), else 404."""
    found = (
        campaigns_overseen(viewer)
        .select_related("issuer", "issuer_unit")
        .filter(pk=_id(pk))
        .first()
    )
    if found is None:
        raise Http404
    return found


def assignment_get(viewer, pk, unit_code: str, *, answering=False) -> CampaignUnit:
    """A unit's checklist: for its responsible post, or (unless `answering`) the overseers."""
    found = (
        CampaignUnit.objects.select_related("campaign", "campaign__issuer_unit", "unit")
        .filter(campaign_id=_id(pk), unit__code=str(unit_code)[:40])
        .first()
    )
    if found is None:
        raise Http404
    if permissions.responsible_for(viewer, found):
        return found
    if not answering and permissions.can_oversee(viewer, found.campaign):
        return found
    raise Http404


def _status(a, now) -> str:
    if a.answered_at is not None:
        return "late_answered" if a.answered_at > a.campaign.due_at else "answered"
    if a.overdue_at is not None or now >= a.campaign.due_at:
        return "late"
    if a.campaign.state == Campaign.State.CLOSED:
        return "unanswered"  # closed before its due date
    return "pending"


def assignment_page(viewer, assignment, *, now=None) -> dict:
    now = now or timezone.now()
    campaign = assignment.campaign
    answers = {
        a.item_id: a
        for a in CampaignAnswer.objects.filter(assignment=assignment).select_related("action")
    }
    may_answer = (
        campaign.state == Campaign.State.OPEN
        and assignment.answered_at is None
        and permissions.responsible_for(viewer, assignment)
    )
    return {
        "campaign": campaign,
        "assignment": assignment,
        "status": _status(assignment, now),
        "rows": [(item, answers.get(item.pk)) for item in campaign.items.all()],
        "may_answer": may_answer,
        "may_oversee": permissions.can_oversee(viewer, campaign),
    }


def campaign_list(viewer, *, now=None) -> dict:
    now = now or timezone.now()
    campaigns = list(
        campaigns_overseen(viewer)
        .select_related("issuer_unit")
        .annotate(
            n_units=Count("units", distinct=True),
            n_answered=Count("units", filter=Q(units__answered_at__isnull=False), distinct=True),
        )[:100]
    )
    mine = sorted(
        assignments_answering(viewer)[:200],
        key=lambda a: (a.answered_at is not None, a.campaign.due_at),
    )
    for a in mine:
        a.status = _status(a, now)
    return {
        "campaigns": campaigns,
        "mine": mine,
        "may_issue": permissions.can_issue(viewer),
    }


def board(campaign, *, now=None) -> dict:
    """Who has answered, who is late, and the problems by item (for the bar chart)."""
    now = now or timezone.now()
    assignments = list(
        campaign.units.select_related("unit", "answered_by").annotate(
            n_problems=Count("answers", filter=Q(answers__has_problem=True))
        )
    )
    statuses: Counter[str] = Counter()
    for a in assignments:
        a.campaign = campaign
        a.status = _status(a, now)
        statuses[a.status] += 1
    items = list(campaign.items.all())
    problems = Counter(
        CampaignAnswer.objects.filter(assignment__campaign=campaign, has_problem=True).values_list(
            "item_id", flat=True
        )
    )
    problem_rows = list(
        CampaignAnswer.objects.filter(assignment__campaign=campaign, has_problem=True)
        .select_related("item", "assignment__unit", "action")
        .order_by("item__position", "assignment__unit__path")
    )
    return {
        "campaign": campaign,
        "assignments": assignments,
        "counts": {
            "units": len(assignments),
            "answered": statuses["answered"] + statuses["late_answered"],
            "late_answered": statuses["late_answered"],
            "late": statuses["late"],
            "pending": statuses["pending"],
            "unanswered": statuses["unanswered"],
            "problems": sum(problems.values()),
        },
        "by_item": [(item, problems.get(item.pk, 0)) for item in items],
        "chart": {
            "items": [i.title for i in items],
            "problems": [problems.get(i.pk, 0) for i in items],
        },
        "problem_rows": problem_rows,
        "is_open": campaign.state == Campaign.State.OPEN,
    }


def checklists_to_answer(viewer, *, now=None):
    """Open campaigns' units the viewer still has to answer for, soonest due first."""
    now = now or timezone.now()
    rows = list(
        assignments_answering(viewer)
        .filter(campaign__state=Campaign.State.OPEN, answered_at__isnull=True)
        .order_by("campaign__due_at", "pk")[:50]
    )
    for a in rows:
        a.status = _status(a, now)
    return rows

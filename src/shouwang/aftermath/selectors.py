"""Reads after an incident, always scoped: an aftermath and its review are visible to whoever
may see the incident (or, without an incident, the report); a corrective action to its issuer,
its owner and those whose scope covers the owner unit (a unit head sees their own unit's).

Agreed with the documents and accountability apps: `review_for_incident(viewer, incident)`,
`items_for(viewer, incident)` and the model `aftermath.models.CorrectiveAction`."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.incidents.selectors import incidents_visible
from shouwang.org.scope import scope_for
from shouwang.reports.selectors import reports_visible

from . import hooks, permissions
from .models import SECTIONS, Aftermath, AftermathItem, CorrectiveAction, Review


def aftermath_visible(viewer):
    return Aftermath.objects.filter(
        Q(incident__in=incidents_visible(viewer))
        | Q(incident__isnull=True, report__in=reports_visible(viewer))
    )


def aftermath_get(viewer, pk) -> Aftermath:
    """404 for one the viewer may not see: its existence is not disclosed."""
    return get_object_or_404(
        aftermath_visible(viewer).select_related("incident", "report", "unit"), pk=pk
    )


def aftermath_for_incident(viewer, incident) -> Aftermath | None:
    return aftermath_visible(viewer).filter(incident=incident).first()


def _flag_items(viewer, items, now):
    for item in items:
        item.is_late = item.is_overdue(now)
        item.may_update = item.state != AftermathItem.State.DONE and permissions.can_update_item(
            viewer, item
        )
    return items


def items_for(viewer, incident, *, now=None) -> list[AftermathItem]:
    """The incident's aftermath items (kind, owner, due, state), flagged is_late and
    may_update for the viewer; empty when there is none or the viewer may not see it."""
    aftermath = aftermath_for_incident(viewer, incident)
    if aftermath is None:
        return []
    items = list(
        aftermath.items.select_related("kind", "owner", "owner_unit", "aftermath__incident")
    )
    return _flag_items(viewer, items, now or timezone.now())


def my_items(viewer, *, now=None) -> list[AftermathItem]:
    items = list(
        AftermathItem.objects.filter(owner=viewer)
        .exclude(state=AftermathItem.State.DONE)
        .select_related("kind", "aftermath", "aftermath__incident", "owner_unit", "owner")
    )
    return _flag_items(viewer, items, now or timezone.now())


def aftermath_page(viewer, aftermath, *, now=None) -> dict:
    now = now or timezone.now()
    items = list(aftermath.items.select_related("kind", "owner", "owner_unit"))
    review = Review.objects.filter(aftermath=aftermath).first()
    return {
        "aftermath": aftermath,
        "items": _flag_items(viewer, items, now),
        "attachments": list(
            aftermath.attachments.select_related("uploaded_by").order_by("at", "pk")
        ),
        "review": review,
        "may_manage": permissions.can_manage(viewer, aftermath),
    }


def incident_page_links(viewer, incident) -> list[dict]:
    """The incident page's links on to its 善后 and 复盘, each only when it exists and the
    viewer may see it (registered with `incidents.hooks.register_page_links`)."""
    links = []
    aftermath = aftermath_for_incident(viewer, incident)
    if aftermath is not None:
        links.append(
            {
                "key": "aftermath",
                "label": _("Aftermath"),
                "url": reverse("aftermath_detail", args=[aftermath.pk]),
            }
        )
    review = reviews_visible(viewer).filter(incident=incident).first()
    if review is not None:
        links.append(
            {
                "key": "review",
                "label": _("Review"),
                "url": reverse("review_detail", args=[review.pk]),
            }
        )
    return links


# ---- reviews -------------------------------------------------------------------------------


def reviews_visible(viewer):
    return Review.objects.filter(incident__in=incidents_visible(viewer))


def review_get(viewer, pk) -> Review:
    return get_object_or_404(
        reviews_visible(viewer).select_related("incident", "aftermath", "owner", "signed_by"), pk=pk
    )


def _review_dict(viewer, review) -> dict:
    sections = list(review.sections.select_related("updated_by"))
    titles = dict(SECTIONS)
    return {
        "review": review,
        "id": review.pk,
        "incident": review.incident_id,
        "state": review.state,
        "frozen": review.is_frozen,
        "owner": review.owner,
        "started_at": review.started_at,
        "due_at": review.due_at,
        "signed_by": review.signed_by,
        "signed_at": review.signed_at,
        "facts": review.facts,
        "sections": [
            {
                "key": s.key,
                "title": str(titles.get(s.key, s.key)),
                "text": s.text,
                "mandatory": True,
                "empty": not s.text.strip(),
                "prefilled": s.prefilled,
                "updated_by": s.updated_by,
                "updated_at": s.updated_at,
            }
            for s in sections
        ],
        "amendments": list(review.amendments.select_related("by")),
        "may_edit": not review.is_frozen and permissions.can_edit_review(viewer, review),
        "may_amend": review.is_frozen and permissions.can_edit_review(viewer, review),
        "may_sign_off": not review.is_frozen and permissions.can_sign_off(viewer, review),
        "may_issue_actions": permissions.can_edit_review(viewer, review),
    }


def review_for_incident(viewer, incident) -> dict | None:
    """The incident's 复盘 review as a dict: state, frozen, signed_by/at, owner, due_at, facts
    (the pre-filled record), sections [{key, title, text, mandatory, empty, prefilled,
    updated_by, updated_at}] in the seed's order, amendments, and the viewer's may_* flags.
    None when the incident has no review yet or the viewer may not see it."""
    review = (
        reviews_visible(viewer)
        .filter(incident=incident)
        .select_related("incident", "aftermath", "owner", "signed_by")
        .first()
    )
    return _review_dict(viewer, review) if review else None


def review_page(viewer, review) -> dict:
    context = _review_dict(viewer, review)
    context["actions"] = list(actions_for_source(viewer, "aftermath.review", review.pk))
    return context


# ---- corrective actions --------------------------------------------------------------------


def actions_visible(viewer):
    q = scope_for(viewer).q("owner_unit__path")
    if getattr(viewer, "pk", None):
        q |= Q(issuer=viewer) | Q(owner=viewer)
    return CorrectiveAction.objects.filter(q)


def action_get(viewer, pk) -> CorrectiveAction:
    return get_object_or_404(
        actions_visible(viewer).select_related("owner", "owner_unit", "issuer", "accepted_by"),
        pk=pk,
    )


def actions_for_source(viewer, source_type: str, source_id):
    return (
        actions_visible(viewer)
        .filter(source_type=source_type, source_id=str(source_id))
        .select_related("owner", "owner_unit")
    )


def action_list(viewer, *, open_only: bool = True, unit=None, colour: str = "", limit: int = 500):
    qs = actions_visible(viewer).select_related("owner", "owner_unit", "issuer")
    if open_only:
        qs = qs.filter(state__in=CorrectiveAction.OPEN_STATES)
    if unit is not None:
        qs = qs.filter(owner_unit__path__startswith=unit.path)
    if colour:
        qs = qs.filter(colour=colour)
    return list(qs.order_by("due_at", "pk")[:limit])


def _flag_action(viewer, action, now):
    action.is_late = action.is_open and action.due_at <= now
    action.source_label, action.source_url = "", ""
    source = hooks.ACTION_SOURCES.get(action.source_type)
    if source is not None:
        action.source_label, action.source_url = (
            source.label(action.source_id),
            source.url(action.source_id),
        )
    return action


def actions_by_unit(viewer, *, now=None) -> list[dict]:
    """Open actions grouped by owner unit, with each unit's red count (actions that ever went
    red, open or not: a statistic)."""
    now = now or timezone.now()
    groups: dict = {}
    for action in action_list(viewer):
        groups.setdefault(
            action.owner_unit_id, {"unit": action.owner_unit, "actions": [], "red_count": 0}
        )
        groups[action.owner_unit_id]["actions"].append(_flag_action(viewer, action, now))
    for row in red_counts(viewer):
        if row["owner_unit"] in groups:
            groups[row["owner_unit"]]["red_count"] = row["n"]
    return sorted(groups.values(), key=lambda g: g["unit"].path)


def red_counts(viewer):
    """[{owner_unit, owner_unit__name, n}]: how many actions of each unit went red."""
    return list(
        actions_visible(viewer)
        .filter(red_at__isnull=False)
        .values("owner_unit", "owner_unit__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "owner_unit__name")
    )


def actions_by_due(viewer, *, now=None) -> list[CorrectiveAction]:
    now = now or timezone.now()
    return [_flag_action(viewer, a, now) for a in action_list(viewer)]


def action_page(viewer, action, *, now=None) -> dict:
    now = now or timezone.now()
    _flag_action(viewer, action, now)
    files = list(action.evidence.select_related("uploaded_by"))
    steps = list(action.steps.select_related("by"))
    for step in steps:
        step.file_list = [f for f in files if f.step_id == step.pk]
    may_progress = action.state in (
        CorrectiveAction.State.DEPLOYED,
        CorrectiveAction.State.IMPLEMENTING,
    ) and permissions.can_report_progress(viewer, action)
    return {
        "action": action,
        "steps": steps,
        "may_progress": may_progress,
        "may_submit": may_progress,
        "may_inspect": action.state == CorrectiveAction.State.INSPECTING
        and permissions.can_inspect(viewer, action),
    }

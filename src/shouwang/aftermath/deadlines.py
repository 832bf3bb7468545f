"""Aftermath obligations on the one deadline engine (ARCHITECTURE.md: register_kind). Each is a
Deadline row scheduled in the transaction that creates its subject; the engine claims it with
compare-and-set and calls the act here in one transaction with its messages and events, so an
escalation happens once, at its time, whether or not anybody opens a page.

- aftermath items: a reminder to the owner before the due date; when overdue, the owner and
  their leader are told;
- reviews: overdue → the owner (the plan's office) and the group head are told;
- corrective actions (三色督办): yellow when 30 % of the time is left without a progress report
  (the owner is told), orange at 15 % (the owner's leader is told too), red when overdue and
  not submitted (the issuer's leader is told; red_at counts for the unit's statistic).
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.notify.services import message_send
from shouwang.org.models import Post

from .models import AftermathItem, CorrectiveAction, Review
from .owners import leader_of

ITEM_SUBJECT, REVIEW_SUBJECT, ACTION_SUBJECT = (
    "aftermath.item",
    "aftermath.review",
    "aftermath.action",
)
ITEM_REMIND, ITEM_OVERDUE = "aftermath_item_remind", "aftermath_item_overdue"
REVIEW_OVERDUE = "review_overdue"
ACTION_YELLOW, ACTION_ORANGE, ACTION_RED = "action_yellow", "action_orange", "action_red"
# Share of the time given that is left when the colour changes (三色督办).
YELLOW_LEFT, ORANGE_LEFT = 0.30, 0.15


def _people(*groups):
    seen: dict[int, object] = {}
    for group in groups:
        for p in group:
            seen.setdefault(p.pk, p)
    return list(seen.values())


def _send(subject_type, subject_id, kind, title, body, url, people, now):
    message_send(
        subject_type=subject_type,
        subject_id=subject_id,
        kind=kind,
        title=title,
        body=body[:500],
        url=url,
        recipients=_people(people),
        now=now,
    )


def _local(dt):
    return timezone.localtime(dt).strftime("%m-%d %H:%M")


# ---- scheduling ------------------------------------------------------------------------------


def item_deadlines(item, now) -> list[dict]:
    rows = []
    lead = min(timedelta(days=1), (item.due_at - now) / 3)
    if lead >= timedelta(minutes=3):
        rows.append(
            {
                "kind": ITEM_REMIND,
                "subject_type": ITEM_SUBJECT,
                "subject_id": item.pk,
                "due_at": item.due_at - lead,
            }
        )
    rows.append(
        {
            "kind": ITEM_OVERDUE,
            "subject_type": ITEM_SUBJECT,
            "subject_id": item.pk,
            "due_at": item.due_at,
        }
    )
    return rows


def review_deadlines(review) -> list[dict]:
    return [
        {
            "kind": REVIEW_OVERDUE,
            "subject_type": REVIEW_SUBJECT,
            "subject_id": review.pk,
            "due_at": review.due_at,
        }
    ]


def colour_times(created_at, due_at) -> dict[str, object]:
    span = due_at - created_at
    return {
        ACTION_YELLOW: due_at - span * YELLOW_LEFT,
        ACTION_ORANGE: due_at - span * ORANGE_LEFT,
        ACTION_RED: due_at,
    }


def action_deadlines(action) -> list[dict]:
    return [
        {"kind": kind, "subject_type": ACTION_SUBJECT, "subject_id": action.pk, "due_at": at}
        for kind, at in colour_times(action.created_at, action.due_at).items()
    ]


# ---- aftermath items -------------------------------------------------------------------------


def lock_item(subject_id):
    return (
        AftermathItem.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("aftermath", "owner", "owner_unit", "kind")
        .filter(pk=subject_id)
        .first()
    )


def _item_url(item):
    return f"/aftermath/{item.aftermath_id}/"


def item_remind(deadline, item, now):
    if item.state == AftermathItem.State.DONE:
        return "superseded"
    _send(
        "aftermath.aftermath",
        item.aftermath_id,
        "aftermath.item_reminder",
        _("[Due %(due)s] %(item)s") % {"due": _local(item.due_at), "item": item.title},
        item.aftermath.title,
        _item_url(item),
        [item.owner],
        now,
    )
    event_record(
        actor=None,
        subject=item.aftermath,
        verb="aftermath.item_reminded",
        at=now,
        data={"item": item.pk, "title": item.title, "owner": item.owner_id},
    )
    return "reminded"


def item_overdue(deadline, item, now):
    if item.state == AftermathItem.State.DONE:
        return "superseded"
    leaders = leader_of(item.owner, item.owner_unit or item.aftermath.unit, now=now)
    item.overdue_at = now
    item.save(update_fields=["overdue_at"])
    _send(
        "aftermath.aftermath",
        item.aftermath_id,
        "aftermath.item_overdue",
        _("[Overdue] %(item)s — owner %(owner)s")
        % {"item": item.title, "owner": item.owner.display_name},
        item.aftermath.title,
        _item_url(item),
        [item.owner, *leaders],
        now,
    )
    event_record(
        actor=None,
        subject=item.aftermath,
        verb="aftermath.item_overdue",
        at=now,
        data={
            "item": item.pk,
            "title": item.title,
            "owner": item.owner_id,
            "due_at": item.due_at.isoformat(),
            "escalated_to": [p.pk for p in leaders],
        },
    )
    return "escalated"


# ---- reviews ---------------------------------------------------------------------------------


def lock_review(subject_id):
    return (
        Review.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("incident", "owner")
        .filter(pk=subject_id)
        .first()
    )


def review_overdue(deadline, review, now):
    if review.is_frozen:
        return "superseded"
    heads = [
        m.person for m in review.incident.group.filter(position="head").select_related("person")
    ]
    review.overdue_at = now
    review.save(update_fields=["overdue_at"])
    _send(
        REVIEW_SUBJECT,
        review.pk,
        "aftermath.review_overdue",
        _("[Review overdue] %(title)s") % {"title": review.incident.title},
        "",
        f"/aftermath/reviews/{review.pk}/",
        [review.owner, *heads],
        now,
    )
    event_record(
        actor=None,
        subject=review,
        verb="review.overdue",
        at=now,
        data={
            "owner": review.owner_id,
            "due_at": review.due_at.isoformat(),
            "escalated_to": [p.pk for p in heads],
        },
    )
    return "escalated"


# ---- corrective actions ----------------------------------------------------------------------


def lock_action(subject_id):
    return (
        CorrectiveAction.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("owner", "issuer", "owner_unit")
        .filter(pk=subject_id)
        .first()
    )


def _action_url(action):
    return f"/aftermath/actions/{action.pk}/"


def _colour(action, colour, verb, title, people, now, **data):
    action.colour = colour
    fields = ["colour"]
    if colour == CorrectiveAction.Colour.RED and action.red_at is None:
        action.red_at = now
        fields.append("red_at")
    action.save(update_fields=fields)
    _send(
        ACTION_SUBJECT,
        action.pk,
        f"aftermath.action_{colour}",
        title % {"title": action.title},
        action.requirement,
        _action_url(action),
        people,
        now,
    )
    event_record(
        actor=None,
        subject=action,
        verb=verb,
        at=now,
        data={
            "colour": colour,
            "owner": action.owner_id,
            "owner_unit": action.owner_unit.code,
            "due_at": action.due_at.isoformat(),
            "told": [p.pk for p in _people(people)],
            **data,
        },
    )


def _quiet(action):
    """Nothing to supervise: done or waiting for the issuer, or the owner reported progress."""
    if action.state in (CorrectiveAction.State.ACCEPTED, CorrectiveAction.State.INSPECTING):
        return "superseded"
    if action.last_progress_at is not None:
        return "progress_reported"
    if action.colour == CorrectiveAction.Colour.RED:
        return "already_red"
    return None


def action_yellow(deadline, action, now):
    quiet = _quiet(action)
    if quiet:
        return quiet
    _colour(
        action,
        CorrectiveAction.Colour.YELLOW,
        "action.yellow",
        _("[Yellow] %(title)s: report progress"),
        [action.owner],
        now,
    )
    return "yellow"


def action_orange(deadline, action, now):
    quiet = _quiet(action)
    if quiet:
        return quiet
    leaders = leader_of(action.owner, action.owner_unit, now=now)
    _colour(
        action,
        CorrectiveAction.Colour.ORANGE,
        "action.orange",
        _("[Orange] %(title)s: 15%% of the time left"),
        [action.owner, *leaders],
        now,
        leaders=[p.pk for p in leaders],
    )
    return "orange"


def action_red(deadline, action, now):
    if action.state in (CorrectiveAction.State.ACCEPTED, CorrectiveAction.State.INSPECTING):
        return "superseded"
    make_red(action, now)
    return "red"


def make_red(action, now):
    """Overdue and not done (also when sent back after the due date): the issuer's leader
    is told."""
    leaders = issuer_leaders(action, now)
    _colour(
        action,
        CorrectiveAction.Colour.RED,
        "action.red",
        _("[Red, overdue] %(title)s"),
        [action.owner, action.issuer, *leaders],
        now,
        leaders=[p.pk for p in leaders],
    )


def issuer_leaders(action, now):
    """The issuer's leader, from the issuer's most senior post (not the owner unit's chain)."""
    post = (
        Post.objects.current(timezone.localdate(now))
        .filter(person=action.issuer)
        .select_related("unit", "role")
        .order_by("-role__rank")
        .first()
    )
    return leader_of(action.issuer, post.unit, now=now) if post else []

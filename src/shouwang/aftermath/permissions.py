"""Who may do what after an incident. Reads are scoped in selectors.py; these are the write
rules, each named after what it allows."""

from shouwang.incidents.permissions import seats_of
from shouwang.org.models import Post
from shouwang.reports.permissions import can_verify

from .models import Aftermath, CorrectiveAction, Review


def _active(user) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "pk", None) is not None
    )


def can_manage(user, aftermath: Aftermath) -> bool:
    """Edit the investigation, items and review narrative: the incident's command group (and
    whoever activated it); for a report handled without an incident, those who verify it."""
    if not _active(user):
        return False
    if user.is_superuser:
        return True
    incident = aftermath.incident
    if incident is not None:
        return user.pk == incident.activated_by_id or bool(seats_of(user, incident))
    return can_verify(user, aftermath.report)


def can_update_item(user, item) -> bool:
    return _active(user) and (item.owner_id == user.pk or can_manage(user, item.aftermath))


def can_edit_review(user, review: Review) -> bool:
    return _active(user) and (review.owner_id == user.pk or can_manage(user, review.aftermath))


def can_sign_off(user, review: Review) -> bool:
    """Only the group head (组长) signs a review off."""
    return _active(user) and "head" in seats_of(user, review.incident)


def _holds_at(user, unit, roles=None) -> bool:
    posts = Post.objects.current().filter(person=user, unit=unit)
    return (posts.filter(role__code__in=roles) if roles else posts).exists()


def can_report_progress(user, action: CorrectiveAction) -> bool:
    """落实: the owner, or the head of the owner unit."""
    return _active(user) and (
        action.owner_id == user.pk or _holds_at(user, action.owner_unit, ["leader"])
    )


def can_inspect(user, action: CorrectiveAction) -> bool:
    """检查: whoever issued the action."""
    return _active(user) and (action.issuer_id == user.pk or user.is_superuser)

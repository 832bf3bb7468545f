"""The review as a source of corrective actions (hooks.register_action_source)."""

from django.utils.translation import gettext as _

from . import permissions
from .models import Review


def _review(source_id):
    return (
        Review.objects.select_related("incident", "aftermath").filter(pk=source_id).first()
        if str(source_id).isdigit()
        else None
    )


def review_may_issue(person, source_id) -> bool:
    review = _review(source_id)
    return review is not None and permissions.can_edit_review(person, review)


def review_label(source_id) -> str:
    review = _review(source_id)
    return _("Review: %(title)s") % {"title": review.incident.title} if review else ""


def review_url(source_id) -> str:
    return f"/aftermath/reviews/{source_id}/"

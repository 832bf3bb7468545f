"""The 复盘 review: started when an incident closes (pre-filled from the record by `facts`, due
AFTERMATH_REVIEW_DAYS later), edited section by section, refreshed from the record, signed off
by the group head (then frozen), amended after. Events are recorded against the review.
REVIEW_SOURCE is the review's source type for corrective actions (registered in apps.py)."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.escalation.services import deadlines_cancel, deadlines_schedule
from shouwang.notify.services import message_send

from .. import deadlines, facts, permissions
from ..models import SECTION_KEYS, SECTIONS, Review, ReviewAmendment, ReviewSection
from .common import _text

REVIEW_SOURCE = "aftermath.review"


def _review_days():
    return getattr(settings, "AFTERMATH_REVIEW_DAYS", 7)


def review_start(*, incident, aftermath, owner, now) -> Review:
    items = list(aftermath.items.select_related("kind", "owner"))
    record = facts.incident_facts(incident, items)
    review = Review.objects.create(
        aftermath=aftermath,
        incident=incident,
        owner=owner,
        started_at=now,
        due_at=now + timedelta(days=_review_days()),
        facts=record,
    )
    drafts = facts.prefilled_sections(record)
    ReviewSection.objects.bulk_create(
        [
            ReviewSection(
                review=review,
                key=key,
                position=n,
                text=drafts.get(key, ""),
                prefilled=key in drafts,
            )
            for n, key in enumerate(SECTION_KEYS)
        ]
    )
    deadlines_schedule(deadlines=deadlines.review_deadlines(review), now=now)
    event_record(
        actor=None,
        subject=review,
        verb="review.started",
        at=now,
        data={
            "incident": incident.pk,
            "owner": owner.pk,
            "due_at": review.due_at.isoformat(),
            "prefilled": sorted(drafts),
        },
    )
    message_send(
        subject_type=deadlines.REVIEW_SUBJECT,
        subject_id=review.pk,
        kind="aftermath.review_started",
        title=_("[Review] %(title)s: due %(due)s")
        % {"title": incident.title, "due": timezone.localtime(review.due_at).strftime("%m-%d")},
        body="",
        url=f"/aftermath/reviews/{review.pk}/",
        recipients=[owner],
        now=now,
    )
    return review


def _editable(review):
    if review.is_frozen:
        raise ValidationError(_("This review is signed off and frozen; add an amendment instead."))


def review_section_save(*, actor, review, key: str, text: str, now=None) -> ReviewSection:
    now = now or timezone.now()
    if not permissions.can_edit_review(actor, review):
        raise PermissionDenied(_("Only the review's owner and the command group may edit it."))
    if key not in SECTION_KEYS:
        raise ValidationError({"key": [_("No such section.")]})
    errors: dict = {}
    text = _text(text, "text", errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        _editable(review)
        section = review.sections.get(key=key)
        before = section.text
        section.text, section.prefilled, section.updated_by, section.updated_at = (
            text,
            False,
            actor,
            now,
        )
        section.save(update_fields=["text", "prefilled", "updated_by", "updated_at"])
        event_record(
            actor=actor,
            subject=review,
            verb="review.section_saved",
            at=now,
            data={"section": key, "text": text, "was": before},
        )
    return section


def review_refresh_facts(*, actor, review, now=None) -> Review:
    """Read the record again (e.g. accountability's findings written by the detector after the
    close): the facts are replaced, and sections the reviewers have not edited (still
    pre-filled, or empty) take the new drafts. Edited sections are left as written."""
    now = now or timezone.now()
    if not permissions.can_edit_review(actor, review):
        raise PermissionDenied(_("Only the review's owner and the command group may edit it."))
    with transaction.atomic():
        review = (
            Review.objects.select_for_update()
            .select_related("incident", "aftermath")
            .get(pk=review.pk)
        )
        _editable(review)
        items = list(review.aftermath.items.select_related("kind", "owner"))
        review.facts = facts.incident_facts(review.incident, items)
        review.save(update_fields=["facts"])
        drafts = facts.prefilled_sections(review.facts)
        redrafted = []
        for section in review.sections.all():
            if (
                (section.prefilled or not section.text.strip())
                and section.key in drafts
                and section.text != drafts[section.key]
            ):
                section.text, section.prefilled = drafts[section.key], True
                section.save(update_fields=["text", "prefilled"])
                redrafted.append(section.key)
        event_record(
            actor=actor,
            subject=review,
            verb="review.facts_refreshed",
            at=now,
            data={"redrafted": redrafted, "findings": len(review.facts.get("findings", []))},
        )
    return review


def review_sign_off(*, actor, review, now=None) -> Review:
    """The group head signs off; every section must have text (the refusal lists the empty
    ones). Then the review is frozen and its deadline met."""
    now = now or timezone.now()
    if not permissions.can_sign_off(actor, review):
        raise PermissionDenied(_("Only the group head may sign off the review."))
    with transaction.atomic():
        review = Review.objects.select_for_update().get(pk=review.pk)
        _editable(review)
        empty = [str(dict(SECTIONS)[s.key]) for s in review.sections.all() if not s.text.strip()]
        if empty:
            raise ValidationError(
                {
                    "sections": [
                        _("Cannot sign off: these sections are empty: %(list)s.")
                        % {"list": "、".join(empty)}
                    ]
                }
            )
        review.state, review.signed_by, review.signed_at = Review.State.SIGNED, actor, now
        review.save(update_fields=["state", "signed_by", "signed_at"])
        deadlines_cancel(
            subject_type=deadlines.REVIEW_SUBJECT, subject_id=review.pk, now=now, outcome="signed"
        )
        event_record(
            actor=actor,
            subject=review,
            verb="review.signed_off",
            at=now,
            data={"sections": {s.key: s.text for s in review.sections.all()}},
        )
    return review


def review_amend(*, actor, review, section: str, text: str, now=None) -> ReviewAmendment:
    """After sign-off: an amendment is appended (row and event); the signed text stays."""
    now = now or timezone.now()
    if not permissions.can_edit_review(actor, review):
        raise PermissionDenied(_("Only the review's owner and the command group may amend it."))
    errors: dict = {}
    if section not in SECTION_KEYS:
        errors["section"] = [_("No such section.")]
    text = _text(text, "text", errors, required=True, message=_("Write the amendment."))
    if errors:
        raise ValidationError(errors)
    if not review.is_frozen:
        raise ValidationError(_("The review is not signed off yet: edit the section itself."))
    with transaction.atomic():
        amendment = ReviewAmendment.objects.create(
            review=review, section=section, text=text, by=actor, at=now
        )
        event_record(
            actor=actor,
            subject=review,
            verb="review.amended",
            at=now,
            data={"amendment": amendment.pk, "section": section, "text": text},
        )
    return amendment

"""Every write after an incident: permission, change and timeline event in one transaction.
Bad input raises ValidationError (Chinese, field → messages) and changes nothing.

Events: the aftermath's investigation and items are recorded against the aftermath; the
review's against the review; a corrective action's against the action. Opening the aftermath
is also recorded on the incident's (or report's) own timeline."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import batched_events, event_record
from shouwang.escalation.services import deadlines_cancel, deadlines_schedule
from shouwang.notify.services import message_send
from shouwang.org.models import Post
from shouwang.reports.attachments import check_upload

from . import deadlines, facts, hooks, permissions
from .models import (
    SECTION_KEYS,
    SECTIONS,
    ActionEvidence,
    ActionStep,
    Aftermath,
    AftermathAttachment,
    AftermathItem,
    AftermathKind,
    CorrectiveAction,
    Review,
    ReviewAmendment,
    ReviewSection,
)
from .owners import item_owner

MAJOR = ("major", "critical")  # 重大, 特别重大
MAX_TEXT = 20_000
MAX_FILES = 10
REVIEW_SOURCE = "aftermath.review"


def _review_days():
    return getattr(settings, "AFTERMATH_REVIEW_DAYS", 7)


def _text(value, field, errors, *, required=False, limit=MAX_TEXT, message=None):
    value = (value or "").strip()
    if required and not value:
        errors[field] = [message or _("Fill in this field.")]
    elif len(value) > limit:
        errors[field] = [_("At most %(n)d characters.") % {"n": limit}]
    return value


def _check_files(files, errors, field="attachments"):
    files = list(files or [])
    if len(files) > MAX_FILES:
        errors[field] = [_("At most %(n)d files at a time.") % {"n": MAX_FILES}]
        return []
    checked, bad = [], []
    for upload in files:
        try:
            checked.append((upload, check_upload(upload)))
        except ValidationError as exc:
            bad.extend(exc.messages)
    if bad:
        errors[field] = bad
    return checked


def _seat(incident, *positions):
    for position in positions:
        member = (
            incident.group.filter(position=position).select_related("person").order_by("pk").first()
        )
        if member is not None:
            return member.person
    return None


# ---- opening (from the incidents and reports hooks, inside their transactions) --------------


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


# ---- investigation and items ---------------------------------------------------------------


def investigation_save(
    *,
    actor,
    aftermath,
    cause: str = "",
    process: str = "",
    consequences: str = "",
    attachments=(),
    now=None,
) -> Aftermath:
    now = now or timezone.now()
    if not permissions.can_manage(actor, aftermath):
        raise PermissionDenied(_("Only the incident's command group may edit the investigation."))
    errors: dict = {}
    values = {
        f: _text(v, f, errors)
        for f, v in (("cause", cause), ("process", process), ("consequences", consequences))
    }
    checked = _check_files(attachments, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        aftermath = Aftermath.objects.select_for_update().get(pk=aftermath.pk)
        changed = [f for f, v in values.items() if getattr(aftermath, f) != v]
        for f in changed:
            setattr(aftermath, f, values[f])
        aftermath.investigation_by, aftermath.investigation_at = actor, now
        aftermath.save(update_fields=[*changed, "investigation_by", "investigation_at"])
        files = [
            AftermathAttachment.objects.create(
                aftermath=aftermath, file=upload, uploaded_by=actor, at=now, **meta
            )
            for upload, meta in checked
        ]
        event_record(
            actor=actor,
            subject=aftermath,
            verb="aftermath.investigation_saved",
            at=now,
            data={
                "changed": {f: values[f] for f in changed},
                "attachments": [
                    {"name": a.original_name, "sha256": a.sha256, "size": a.size} for a in files
                ],
            },
        )
    return aftermath


def item_update(*, actor, item, state: str, note: str = "", now=None) -> AftermathItem:
    now = now or timezone.now()
    if not permissions.can_update_item(actor, item):
        raise PermissionDenied(_("Only the item's owner or the command group may update it."))
    errors: dict = {}
    if state not in AftermathItem.State.values:
        errors["state"] = [_("Choose open, in progress or done.")]
    note = _text(
        note,
        "note",
        errors,
        required=state == AftermathItem.State.DONE,
        message=_("Say what was done."),
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        item = AftermathItem.objects.select_for_update().select_related("aftermath").get(pk=item.pk)
        previous = item.state
        if previous == AftermathItem.State.DONE:
            raise ValidationError(_("This item is already done."))
        item.state, item.note = state, note or item.note
        item.done_at = now if state == AftermathItem.State.DONE else None
        item.save(update_fields=["state", "note", "done_at"])
        if state == AftermathItem.State.DONE:
            deadlines_cancel(
                subject_type=deadlines.ITEM_SUBJECT, subject_id=item.pk, now=now, outcome="done"
            )
        event_record(
            actor=actor,
            subject=item.aftermath,
            verb="aftermath.item_updated",
            at=now,
            data={
                "item": item.pk,
                "title": item.title,
                "from": previous,
                "to": state,
                "note": note,
                "late": state == AftermathItem.State.DONE and item.due_at < now,
            },
        )
    return item


# ---- the review ----------------------------------------------------------------------------


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


# ---- corrective actions --------------------------------------------------------------------


def action_issue(
    *,
    actor,
    source_type: str,
    source_id,
    title: str,
    requirement: str,
    evidence_required: str,
    owner_unit=None,
    owner=None,
    due_at=None,
    now=None,
) -> CorrectiveAction:
    """部署. The source decides who may issue (hooks.register_action_source)."""
    now = now or timezone.now()
    source = hooks.ACTION_SOURCES.get(source_type)
    if source is None:
        raise ValidationError({"source_type": [_("Unknown source of corrective actions.")]})
    if not source.may_issue(actor, str(source_id)):
        raise PermissionDenied(_("You may not issue corrective actions for this."))
    errors: dict = {}
    title = _text(
        title, "title", errors, required=True, limit=200, message=_("Give the action a title.")
    )
    requirement = _text(
        requirement, "requirement", errors, required=True, message=_("Say what must be done.")
    )
    evidence_required = _text(
        evidence_required,
        "evidence_required",
        errors,
        required=True,
        message=_("Say what evidence will show it is done."),
    )
    if owner_unit is None:
        errors["owner_unit"] = [_("Choose the unit responsible.")]
    if owner is None:
        errors["owner"] = [_("Choose the person responsible.")]
    elif (
        owner_unit is not None
        and not Post.objects.current(timezone.localdate(now))
        .filter(person=owner, unit__path__startswith=owner_unit.path)
        .exists()
    ):
        errors["owner"] = [_("The person responsible must hold a post in the unit responsible.")]
    if due_at is None:
        errors["due_at"] = [_("Set a due date.")]
    elif due_at <= now + timedelta(hours=1):
        errors["due_at"] = [_("The due date must be at least an hour from now.")]
    elif due_at > now + timedelta(days=366):
        errors["due_at"] = [_("The due date must be within a year.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        action = CorrectiveAction.objects.create(
            source_type=source_type,
            source_id=str(source_id),
            title=title,
            requirement=requirement,
            evidence_required=evidence_required,
            issuer=actor,
            owner_unit=owner_unit,
            owner=owner,
            created_at=now,
            due_at=due_at,
        )
        deadlines_schedule(deadlines=deadlines.action_deadlines(action), now=now)
        event_record(
            actor=actor,
            subject=action,
            verb="action.issued",
            at=now,
            data={
                "source_type": source_type,
                "source_id": str(source_id),
                "title": title,
                "owner": owner.pk,
                "owner_unit": owner_unit.code,
                "due_at": due_at.isoformat(),
            },
        )
        message_send(
            subject_type=deadlines.ACTION_SUBJECT,
            subject_id=action.pk,
            kind="aftermath.action_issued",
            title=_("[Corrective action] %(title)s: due %(due)s")
            % {"title": title, "due": timezone.localtime(due_at).strftime("%Y-%m-%d")},
            body=requirement[:500],
            url=f"/aftermath/actions/{action.pk}/",
            recipients=[owner],
            now=now,
        )
    return action


def _lock(action):
    return (
        CorrectiveAction.objects.select_for_update()
        .select_related("owner_unit", "issuer", "owner")
        .get(pk=action.pk)
    )


def _store_files(action, step, checked, actor, now):
    return [
        ActionEvidence.objects.create(
            action=action, step=step, file=upload, uploaded_by=actor, at=now, **meta
        )
        for upload, meta in checked
    ]


def action_progress(*, actor, action, text: str, attachments=(), now=None) -> ActionStep:
    """落实: a progress report. It answers the yellow/orange supervision (back to on track)."""
    now = now or timezone.now()
    if not permissions.can_report_progress(actor, action):
        raise PermissionDenied(
            _("Only the owner or the head of the owner unit may report progress.")
        )
    errors: dict = {}
    text = _text(text, "text", errors, required=True, message=_("Describe the progress."))
    checked = _check_files(attachments, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        action = _lock(action)
        if action.state not in (
            CorrectiveAction.State.DEPLOYED,
            CorrectiveAction.State.IMPLEMENTING,
        ):
            raise ValidationError(
                _("This action is %(state)s: no progress report now.")
                % {"state": action.get_state_display()}
            )
        step = ActionStep.objects.create(
            action=action, kind=ActionStep.Kind.PROGRESS, text=text, by=actor, at=now
        )
        files = _store_files(action, step, checked, actor, now)
        previous = action.colour
        action.state, action.last_progress_at = CorrectiveAction.State.IMPLEMENTING, now
        if action.colour in (CorrectiveAction.Colour.YELLOW, CorrectiveAction.Colour.ORANGE):
            action.colour = CorrectiveAction.Colour.GREEN
        action.save(update_fields=["state", "last_progress_at", "colour"])
        event_record(
            actor=actor,
            subject=action,
            verb="action.progress",
            at=now,
            data={
                "text": text,
                "colour_was": previous,
                "colour": action.colour,
                "files": [{"name": f.original_name, "sha256": f.sha256} for f in files],
            },
        )
    return step


def action_submit(
    *, actor, action, evidence_text: str, attachments=(), now=None
) -> CorrectiveAction:
    """落实 → 检查: the owner submits the evidence the action requires (text, and files)."""
    now = now or timezone.now()
    if not permissions.can_report_progress(actor, action):
        raise PermissionDenied(_("Only the owner or the head of the owner unit may submit."))
    errors: dict = {}
    evidence_text = _text(
        evidence_text,
        "evidence_text",
        errors,
        required=True,
        message=_("Describe the evidence that it is done."),
    )
    checked = _check_files(attachments, errors)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        action = _lock(action)
        if action.state not in (
            CorrectiveAction.State.DEPLOYED,
            CorrectiveAction.State.IMPLEMENTING,
        ):
            raise ValidationError(
                _("This action is %(state)s: it cannot be submitted now.")
                % {"state": action.get_state_display()}
            )
        step = ActionStep.objects.create(
            action=action, kind=ActionStep.Kind.SUBMITTED, text=evidence_text, by=actor, at=now
        )
        files = _store_files(action, step, checked, actor, now)
        action.state, action.evidence_text, action.submitted_at = (
            CorrectiveAction.State.INSPECTING,
            evidence_text,
            now,
        )
        action.last_progress_at = now
        action.save(update_fields=["state", "evidence_text", "submitted_at", "last_progress_at"])
        event_record(
            actor=actor,
            subject=action,
            verb="action.submitted",
            at=now,
            data={
                "evidence": evidence_text,
                "files": [{"name": f.original_name, "sha256": f.sha256} for f in files],
            },
        )
        message_send(
            subject_type=deadlines.ACTION_SUBJECT,
            subject_id=action.pk,
            kind="aftermath.action_submitted",
            title=_("[To inspect] %(title)s") % {"title": action.title},
            body=evidence_text[:500],
            url=f"/aftermath/actions/{action.pk}/",
            recipients=[action.issuer],
            now=now,
        )
    return action


def action_inspect(*, actor, action, verdict: str, reason: str = "", now=None) -> CorrectiveAction:
    """检查 → 反馈: the issuer accepts, or sends it back with the reason (落实 again; if the
    due date has passed it turns red at once)."""
    now = now or timezone.now()
    if not permissions.can_inspect(actor, action):
        raise PermissionDenied(_("Only the issuer of the action inspects it."))
    errors: dict = {}
    if verdict not in ("accept", "send_back"):
        errors["verdict"] = [_("Choose accept or send back.")]
    reason = _text(
        reason,
        "reason",
        errors,
        required=verdict == "send_back",
        message=_("Say why it is sent back."),
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        action = _lock(action)
        if action.state != CorrectiveAction.State.INSPECTING:
            raise ValidationError(
                _("Nothing to inspect: the action is %(state)s.")
                % {"state": action.get_state_display()}
            )
        if verdict == "accept":
            ActionStep.objects.create(
                action=action, kind=ActionStep.Kind.ACCEPTED, text=reason, by=actor, at=now
            )
            action.state, action.accepted_at, action.accepted_by = (
                CorrectiveAction.State.ACCEPTED,
                now,
                actor,
            )
            action.save(update_fields=["state", "accepted_at", "accepted_by"])
            deadlines_cancel(
                subject_type=deadlines.ACTION_SUBJECT,
                subject_id=action.pk,
                now=now,
                outcome="accepted",
            )
            event_record(
                actor=actor,
                subject=action,
                verb="action.accepted",
                at=now,
                data={"note": reason, "late": action.submitted_at > action.due_at},
            )
        else:
            ActionStep.objects.create(
                action=action, kind=ActionStep.Kind.SENT_BACK, text=reason, by=actor, at=now
            )
            action.state = CorrectiveAction.State.IMPLEMENTING
            action.save(update_fields=["state"])
            event_record(
                actor=actor,
                subject=action,
                verb="action.sent_back",
                at=now,
                data={"reason": reason},
            )
            message_send(
                subject_type=deadlines.ACTION_SUBJECT,
                subject_id=action.pk,
                kind="aftermath.action_sent_back",
                title=_("[Sent back] %(title)s") % {"title": action.title},
                body=reason[:500],
                url=f"/aftermath/actions/{action.pk}/",
                recipients=[action.owner],
                now=now,
            )
            if action.due_at <= now and action.colour != CorrectiveAction.Colour.RED:
                deadlines.make_red(action, now)
    return action

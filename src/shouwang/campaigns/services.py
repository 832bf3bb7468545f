"""Every write of a hazard campaign: issue it, answer for a unit, close it. Each checks the
permission, writes, schedules or cancels its deadlines and records the timeline event in one
transaction; refused input raises ValidationError (field → Chinese messages) and changes
nothing."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.aftermath.services import action_issue
from shouwang.audit.services import event_record
from shouwang.bounds import MAX_LIST, implausible_time
from shouwang.escalation.services import deadlines_cancel, deadlines_schedule
from shouwang.notify.services import Outgoing, messages_send
from shouwang.org.models import Post, Unit
from shouwang.org.scope import scope_for

from . import deadlines as d
from . import permissions
from .checklists import checklist
from .models import Campaign, CampaignAnswer, CampaignItem, CampaignUnit

# Corrective actions issued from a unit's answer (aftermath.hooks.register_action_source).
ACTION_SOURCE = "campaigns.unit"
MAX_ITEMS = 50
ITEM_LIMIT = 100
ANSWER_LIMIT = 2000
MAX_DAYS_AHEAD = 180
MIN_LEAD = timedelta(hours=1)


def _text(value, field, errors, *, required=False, limit, message=None):
    value = (value or "").strip() if isinstance(value, str) else ""
    if required and not value:
        errors.setdefault(field, []).append(message or _("Fill in this field."))
    elif len(value) > limit:
        errors.setdefault(field, []).append(_("At most %(n)d characters.") % {"n": limit})
    return value


def _clean_items(items, errors) -> list[str]:
    if not isinstance(items, (list, tuple)):
        errors["items"] = [_("List the checklist's items.")]
        return []
    cleaned = [i.strip() for i in items if isinstance(i, str) and i.strip()]
    if not cleaned:
        errors["items"] = [_("A campaign needs at least one checklist item.")]
    elif len(cleaned) > MAX_ITEMS:
        errors["items"] = [_("At most %(n)d items.") % {"n": MAX_ITEMS}]
    elif any(len(i) > ITEM_LIMIT for i in cleaned):
        errors["items"] = [_("An item has at most %(n)d characters.") % {"n": ITEM_LIMIT}]
    elif len(set(cleaned)) != len(cleaned):
        errors["items"] = [_("An item is listed twice.")]
    return cleaned


def _clean_units(actor, codes, errors, now) -> list[tuple[Unit, str]]:
    """[(unit, responsible role)] for the codes given: colleges or offices in the actor's scope,
    each with someone in its responsible post."""
    if not isinstance(codes, (list, tuple)) or not codes:
        errors["units"] = [_("Choose at least one unit.")]
        return []
    codes = list(dict.fromkeys(str(c).strip() for c in codes if str(c).strip()))
    if not codes:
        errors["units"] = [_("Choose at least one unit.")]
        return []
    if len(codes) > MAX_LIST:
        errors["units"] = [_("At most %(n)d units.") % {"n": MAX_LIST}]
        return []
    scope = scope_for(actor)
    units = {
        u.code: u
        for u in Unit.objects.filter(
            scope.q("path"),
            code__in=codes,
            is_active=True,
            kind__in=list(permissions.RESPONSIBLE_ROLES),
        )
    }
    unknown = [c for c in codes if c not in units]
    if unknown:
        errors["units"] = [
            _("Not a college or office you may send a campaign to: %(codes)s")
            % {"codes": ", ".join(unknown[:10])}
        ]
        return []
    held = set(
        Post.objects.current(timezone.localdate(now))
        .filter(unit__in=units.values(), person__is_active=True)
        .values_list("unit__code", "role__code")
    )
    chosen, nobody = [], []
    for code in codes:
        unit = units[code]
        role = next(
            (r for r in permissions.RESPONSIBLE_ROLES[Unit.Kind(unit.kind)] if (code, r) in held),
            None,
        )
        if role is None:
            nobody.append(unit.name)
        else:
            chosen.append((unit, role))
    if nobody:
        errors["units"] = [
            _("Nobody holds the post that answers for: %(units)s")
            % {"units": "、".join(nobody[:10])}
        ]
    return chosen


def campaign_create(
    *,
    actor,
    title: str,
    issuer_unit: str,
    units: list[str],
    items: list[str],
    due_at,
    fix_days=14,
    instructions: str = "",
    template: str = "",
    now=None,
) -> Campaign:
    """学生处 or 保卫处 sends a checklist to colleges or offices, due at `due_at`."""
    now = now or timezone.now()
    if not permissions.can_issue(actor):
        raise PermissionDenied(_("Only 学生处 or 保卫处 issue hazard campaigns."))
    errors: dict = {}
    title = _text(title, "title", errors, required=True, limit=200, message=_("Give a title."))
    instructions = _text(instructions, "instructions", errors, limit=ANSWER_LIMIT)
    offices = {u.code: u for u in permissions.issuer_units(actor)}
    office = offices.get(str(issuer_unit or ""))
    if office is None:
        errors["issuer_unit"] = [_("Issue the campaign for an office you work in.")]
    if template and checklist(str(template)) is None:
        errors["template"] = [_("Unknown checklist.")]
    cleaned_items = _clean_items(items, errors)
    chosen = _clean_units(actor, units, errors, now)
    if due_at is None:
        errors["due_at"] = [_("Set a due date.")]
    elif implausible_time(due_at):
        errors["due_at"] = [implausible_time(due_at)]
    elif due_at <= now + MIN_LEAD:
        errors["due_at"] = [_("The due date must be at least an hour from now.")]
    elif due_at > now + timedelta(days=MAX_DAYS_AHEAD):
        errors["due_at"] = [_("The due date must be within %(n)d days.") % {"n": MAX_DAYS_AHEAD}]
    try:
        fix_days = int(fix_days)
    except (TypeError, ValueError):
        fix_days = 0
    if not 1 <= fix_days <= 180:
        errors["fix_days"] = [_("Between 1 and 180 days.")]
    if errors or office is None:
        raise ValidationError(errors)
    with transaction.atomic():
        campaign = Campaign.objects.create(
            title=title,
            instructions=instructions,
            template=str(template or ""),
            issuer=actor,
            issuer_unit=office,
            created_at=now,
            due_at=due_at,
            fix_days=fix_days,
        )
        CampaignItem.objects.bulk_create(
            CampaignItem(campaign=campaign, position=n, title=t)
            for n, t in enumerate(cleaned_items, 1)
        )
        CampaignUnit.objects.bulk_create(
            CampaignUnit(campaign=campaign, unit=unit, role=role) for unit, role in chosen
        )
        assignments = list(campaign.units.select_related("unit"))
        deadlines_schedule(
            deadlines=[
                row for a in assignments for row in d.unit_deadlines(a, due_at=due_at, now=now)
            ],
            now=now,
        )
        people = d.holders_of(assignments, now=now)
        due_text = timezone.localtime(due_at).strftime("%m-%d %H:%M")
        messages_send(
            [
                Outgoing(
                    d.SUBJECT,
                    str(a.pk),
                    "campaigns.issued",
                    _("Hazard campaign: %(title)s (due %(due)s)")
                    % {"title": title, "due": due_text},
                    _("%(office)s asks %(unit)s to answer %(n)d items.")
                    % {"office": office.name, "unit": a.unit.name, "n": len(cleaned_items)},
                    d.answer_url(a),
                    people.get(a.pk, []),
                )
                for a in assignments
            ],
            now=now,
        )
        event_record(
            actor=actor,
            subject=campaign,
            verb="campaign.issued",
            at=now,
            data={
                "title": title,
                "issuer_unit": office.code,
                "units": [a.unit.code for a in assignments],
                "items": cleaned_items,
                "due_at": due_at.isoformat(),
                "template": campaign.template,
            },
        )
    return campaign


def _as_bool(value):
    if isinstance(value, bool):
        return value
    if value in ("yes", "true", "1", "problem"):
        return True
    if value in ("no", "false", "0", "none"):
        return False
    return None


def campaign_answer(*, actor, assignment: CampaignUnit, answers: dict, now=None) -> CampaignUnit:
    """The unit's responsible post answers every item once: {item id: {has_problem,
    description, measure}}. Each problem found becomes a corrective action owned by the person
    answering, issued in the campaign issuer's name, due `fix_days` from now."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            CampaignUnit.objects.select_for_update()
            .select_related("campaign", "campaign__issuer", "unit")
            .get(pk=assignment.pk)
        )
        campaign = locked.campaign
        if not permissions.responsible_for(actor, locked):
            raise PermissionDenied(_("You do not answer for this unit."))
        if campaign.state == Campaign.State.CLOSED:
            raise ValidationError({"__all__": [_("The campaign is closed.")]})
        if locked.answered_at is not None:
            raise ValidationError({"__all__": [_("This unit has already answered.")]})
        items = {str(i.pk): i for i in campaign.items.all()}
        errors: dict = {}
        if not isinstance(answers, dict):
            raise ValidationError({"answers": [_("Answer every item.")]})
        stray = [k for k in answers if str(k) not in items]
        if stray:
            raise ValidationError({"answers": [_("An answer names an item not in this campaign.")]})
        given = {str(k): v for k, v in answers.items()}
        rows = []
        for key, item in items.items():
            field = f"item_{key}"
            raw = given.get(key)
            if not isinstance(raw, dict):
                errors[field] = [_("Answer this item.")]
                continue
            problem = _as_bool(raw.get("has_problem"))
            if problem is None:
                errors[field] = [_("Say whether a problem was found.")]
                continue
            description = _text(
                raw.get("description"),
                field,
                errors,
                required=problem,
                limit=ANSWER_LIMIT,
                message=_("Describe the problem found."),
            )
            measure = _text(
                raw.get("measure"),
                field,
                errors,
                required=problem,
                limit=ANSWER_LIMIT,
                message=_("Say what measure was taken."),
            )
            rows.append(
                CampaignAnswer(
                    assignment=locked,
                    item=item,
                    has_problem=problem,
                    description=description,
                    measure=measure if problem else "",
                )
            )
        if errors:
            raise ValidationError(errors)
        due = now + timedelta(days=campaign.fix_days)
        for row in rows:
            if row.has_problem:
                row.action = action_issue(
                    actor=campaign.issuer,
                    source_type=ACTION_SOURCE,
                    source_id=locked.pk,
                    title=f"{locked.unit.name}：{row.item.title}"[:200],
                    requirement=_("Problem found: %(problem)s\nMeasure taken: %(measure)s")
                    % {"problem": row.description, "measure": row.measure},
                    evidence_required=_("How the problem was put right, with proof."),
                    owner_unit=locked.unit,
                    owner=actor,
                    due_at=due,
                    now=now,
                )
        CampaignAnswer.objects.bulk_create(rows)
        late = now > campaign.due_at
        locked.answered_at, locked.answered_by = now, actor
        locked.save(update_fields=["answered_at", "answered_by"])
        deadlines_cancel(subject_type=d.SUBJECT, subject_id=locked.pk, now=now, outcome="answered")
        event_record(
            actor=actor,
            subject=campaign,
            verb="campaign.answered",
            at=now,
            data={
                "unit": locked.unit.code,
                "problems": [r.item_id for r in rows if r.has_problem],
                "actions": [r.action_id for r in rows if r.action_id],
                "late": late,
            },
        )
    return locked


def campaign_close(*, actor, campaign: Campaign, now=None) -> Campaign:
    """The issuer ends the campaign: units still silent are no longer chased (and stay late on
    the board); no answer is taken after."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
        if not permissions.can_oversee(actor, locked):
            raise PermissionDenied(_("Only the issuing office closes a campaign."))
        if locked.state == Campaign.State.CLOSED:
            raise ValidationError({"__all__": [_("The campaign is already closed.")]})
        silent = list(locked.units.filter(answered_at__isnull=True).select_related("unit"))
        for a in silent:
            deadlines_cancel(subject_type=d.SUBJECT, subject_id=a.pk, now=now, outcome="closed")
        locked.state, locked.closed_at = Campaign.State.CLOSED, now
        locked.save(update_fields=["state", "closed_at"])
        event_record(
            actor=actor,
            subject=locked,
            verb="campaign.closed",
            at=now,
            data={"unanswered": [a.unit.code for a in silent]},
        )
    return locked

"""Hazard campaign pages (phone-first): the list (campaigns the viewer oversees, units they
answer for), a new campaign (the shipped checklist, editable), the board (who answered, who is
late, problems by item) and a unit's checklist with its answer form. Each POST calls one
service; a refusal re-shows the page with the reason and what was typed, and changes nothing."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shouwang.org.models import Unit
from shouwang.org.scope import scope_for

from . import permissions, selectors, services
from .checklists import DEFAULT, checklist_items, checklist_title, checklists


def _forbidden(request, exc):
    return render(
        request,
        "campaigns/forbidden.html",
        {"reason": str(exc) or _("Permission denied.")},
        status=403,
    )


def inbox_section(request) -> str:
    """A section at the top of the inbox: the checklists the person must still answer."""
    rows = selectors.checklists_to_answer(request.user)
    if not rows:
        return ""
    return render_to_string("campaigns/_inbox.html", {"rows": rows}, request=request)


@login_required
@require_GET
def campaign_list(request):
    return render(request, "campaigns/list.html", selectors.campaign_list(request.user))


def _due(value: str):
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = datetime.strptime(value[:16], "%Y-%m-%dT%H:%M")
    except ValueError:
        raise ValidationError({"due_at": [_("Enter the date and time.")]}) from None
    return timezone.make_aware(parsed)


def _targets(user):
    return list(
        Unit.objects.filter(
            scope_for(user).q("path"),
            is_active=True,
            kind__in=list(permissions.RESPONSIBLE_ROLES),
        ).order_by("kind", "sort_order", "path")[:500]
    )


def _new_render(request, status=200, *, errors=None, kept=None):
    code = request.GET.get("template") or DEFAULT
    kept = kept or {}
    items = kept.get("items")
    if items is None:
        items = "\n".join(i["title"] for i in checklist_items(code))
    targets = _targets(request.user)
    chosen = set(kept.get("units") or [u.code for u in targets if u.kind == Unit.Kind.COLLEGE])
    return render(
        request,
        "campaigns/new.html",
        {
            "offices": permissions.issuer_units(request.user),
            "targets": [(u, u.code in chosen) for u in targets],
            "templates": [(c, checklist_title(c)) for c in checklists()],
            "template": code if code in checklists() else "",
            "items_text": items,
            "kept": kept,
            "errors": errors or {},
            "general_errors": (errors or {}).get("__all__", []),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request):
    if not permissions.can_issue(request.user):
        return _forbidden(
            request, PermissionDenied(_("Only 学生处 or 保卫处 issue hazard campaigns."))
        )
    if request.method == "GET":
        return _new_render(request)
    post = request.POST
    kept = {
        "title": post.get("title", ""),
        "instructions": post.get("instructions", ""),
        "issuer_unit": post.get("issuer_unit", ""),
        "due_at": post.get("due_at", ""),
        "fix_days": post.get("fix_days", "14"),
        "template": post.get("template", ""),
        "units": post.getlist("units"),
        "items": post.get("items", ""),
    }
    try:
        campaign = services.campaign_create(
            actor=request.user,
            title=kept["title"],
            instructions=kept["instructions"],
            issuer_unit=kept["issuer_unit"],
            units=kept["units"],
            items=kept["items"].splitlines(),
            due_at=_due(kept["due_at"]),
            fix_days=kept["fix_days"],
            template=kept["template"],
        )
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    except ValidationError as exc:
        return _new_render(request, 400, errors=exc.message_dict, kept=kept)
    messages.success(request, _("Campaign issued."))
    return redirect("campaign_board", campaign.pk)


@login_required
@require_GET
def campaign_board(request, pk):
    campaign = selectors.campaign_get(request.user, pk)
    return render(request, "campaigns/board.html", selectors.board(campaign))


@login_required
@require_POST
def campaign_close(request, pk):
    campaign = selectors.campaign_get(request.user, pk)
    try:
        services.campaign_close(actor=request.user, campaign=campaign)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("campaign_board", campaign.pk)
    messages.success(request, _("Campaign closed."))
    return redirect("campaign_board", campaign.pk)


def _unit_render(request, assignment, status=200, *, errors=None, kept=None):
    context = selectors.assignment_page(request.user, assignment)
    errors, kept = errors or {}, kept or {}
    context["form_rows"] = [
        {
            "item": item,
            "choice": kept.get(f"item_{item.pk}", ""),
            "description": kept.get(f"description_{item.pk}", ""),
            "measure": kept.get(f"measure_{item.pk}", ""),
            "errors": errors.get(f"item_{item.pk}", []),
        }
        for item, _answer in context["rows"]
    ]
    context["errors"] = errors
    context["general_errors"] = errors.get("__all__", []) + errors.get("answers", [])
    return render(request, "campaigns/unit.html", context, status=status)


def _answers_from(post, campaign) -> dict:
    answers = {}
    for item in campaign.items.all():
        answers[str(item.pk)] = {
            "has_problem": post.get(f"item_{item.pk}", ""),
            "description": post.get(f"description_{item.pk}", ""),
            "measure": post.get(f"measure_{item.pk}", ""),
        }
    return answers


@login_required
@require_http_methods(["GET", "POST"])
def campaign_unit(request, pk, code):
    if request.method == "GET":
        return _unit_render(request, selectors.assignment_get(request.user, pk, code))
    # Only the unit's responsible post answers: anyone else is told nothing exists (404).
    assignment = selectors.assignment_get(request.user, pk, code, answering=True)
    try:
        services.campaign_answer(
            actor=request.user,
            assignment=assignment,
            answers=_answers_from(request.POST, assignment.campaign),
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        return _unit_render(request, assignment, 400, errors=exc.message_dict, kept=request.POST)
    messages.success(request, _("Answer sent."))
    return redirect("campaign_unit", assignment.campaign_id, assignment.unit.code)

"""Aftermath pages (phone-first): the aftermath of an incident (investigation, evidence, items),
the 复盘 review (pre-filled facts, seven sections, sign-off, amendments, corrective actions
issued from it) and corrective actions (by unit or by due date; progress, submission,
inspection). Each POST view calls one service; a refusal re-shows the page with the reason
and what was typed, and changes nothing."""

from datetime import datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shouwang.org.selectors import people_visible, units_visible

from . import selectors, services

P = lambda request, name: request.POST.get(name, "")  # noqa: E731


def _errors(exc: ValidationError) -> list[str]:
    return exc.messages


def _forbidden(request, exc):
    return render(
        request,
        "aftermath/forbidden.html",
        {"reason": str(exc) or _("Permission denied.")},
        status=403,
    )


@login_required
@require_GET
def aftermath_home(request):
    now = timezone.now()
    return render(
        request,
        "aftermath/home.html",
        {
            "items": selectors.my_items(request.user, now=now),
            "reviews": selectors.reviews_visible(request.user)
            .filter(state="draft")
            .select_related("incident")[:50],
            "actions": [
                a
                for a in selectors.actions_by_due(request.user, now=now)
                if a.owner_id == request.user.pk
            ],
            "recent": selectors.aftermath_visible(request.user).select_related("unit")[:20],
        },
    )


def _aftermath_render(request, aftermath, status=200, **extra):
    context = {
        **selectors.aftermath_page(request.user, aftermath),
        "form_errors": {},
        "kept": {},
        **extra,
    }
    return render(request, "aftermath/detail.html", context, status=status)


@login_required
@require_GET
def aftermath_detail(request, pk):
    return _aftermath_render(request, selectors.aftermath_get(request.user, pk))


@login_required
@require_POST
def aftermath_investigation(request, pk):
    aftermath = selectors.aftermath_get(request.user, pk)
    try:
        services.investigation_save(
            actor=request.user,
            aftermath=aftermath,
            cause=P(request, "cause"),
            process=P(request, "process"),
            consequences=P(request, "consequences"),
            attachments=request.FILES.getlist("attachments"),
        )
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    except ValidationError as exc:
        return _aftermath_render(
            request,
            aftermath,
            400,
            form_errors={"investigation": _errors(exc)},
            kept={"investigation": request.POST},
        )
    messages.success(request, _("Investigation saved."))
    return redirect("aftermath_detail", aftermath.pk)


@login_required
@require_POST
def aftermath_item(request, pk, item_id):
    aftermath = selectors.aftermath_get(request.user, pk)
    item = get_object_or_404(aftermath.items.select_related("aftermath"), pk=item_id)
    try:
        services.item_update(
            actor=request.user, item=item, state=P(request, "state"), note=P(request, "note")
        )
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    except ValidationError as exc:
        return _aftermath_render(
            request,
            aftermath,
            400,
            form_errors={"item": _errors(exc)},
            kept={"item": request.POST},
            failed_item=item.pk,
        )
    messages.success(request, _("Item updated."))
    return redirect("aftermath_detail", aftermath.pk)


# ---- review --------------------------------------------------------------------------------


def _review_render(request, review, status=200, **extra):
    context = {
        **selectors.review_page(request.user, review),
        "form_errors": {},
        "kept": {},
        "units": units_visible(request.user).filter(is_active=True).order_by("path")[:500],
        **extra,
    }
    return render(request, "aftermath/review.html", context, status=status)


@login_required
@require_GET
def review_detail(request, pk):
    return _review_render(request, selectors.review_get(request.user, pk))


def _review_action(request, pk, form, call, success):
    review = selectors.review_get(request.user, pk)
    try:
        call(review)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    except ValidationError as exc:
        extra = {}
        if review.is_frozen and form.startswith("section_"):
            extra = {"top_errors": _errors(exc)}  # the section's form is gone: say it at the top
        elif form.startswith("section_"):
            extra = {
                "failed_section": form.removeprefix("section_"),
                "section_errors": _errors(exc),
                "kept_text": request.POST.get("text", ""),
            }
        return _review_render(
            request,
            review,
            400,
            form_errors={form: _errors(exc)},
            kept={form: request.POST},
            **extra,
        )
    messages.success(request, success)
    return redirect("review_detail", review.pk)


@login_required
@require_POST
def review_section(request, pk, key):
    return _review_action(
        request,
        pk,
        f"section_{key}",
        lambda r: services.review_section_save(
            actor=request.user, review=r, key=key, text=P(request, "text")
        ),
        _("Section saved."),
    )


@login_required
@require_POST
def review_sign_off(request, pk):
    return _review_action(
        request,
        pk,
        "sign_off",
        lambda r: services.review_sign_off(actor=request.user, review=r),
        _("Review signed off and frozen."),
    )


@login_required
@require_POST
def review_refresh(request, pk):
    return _review_action(
        request,
        pk,
        "refresh",
        lambda r: services.review_refresh_facts(actor=request.user, review=r),
        _("Facts read again from the record."),
    )


@login_required
@require_POST
def review_amend(request, pk):
    return _review_action(
        request,
        pk,
        "amend",
        lambda r: services.review_amend(
            actor=request.user, review=r, section=P(request, "section"), text=P(request, "text")
        ),
        _("Amendment recorded."),
    )


def _due(value):
    """A date (YYYY-MM-DD) → the end of that working day (18:00 local); None if blank."""
    if not value:
        return None
    return timezone.make_aware(
        datetime.combine(datetime.strptime(value[:10], "%Y-%m-%d").date(), time(18, 0))
    )


def _owner(request):
    staff_no = P(request, "owner").strip()
    if not staff_no:
        return None
    person = (
        people_visible(request.user).filter(staff_no=staff_no).first()
        or people_visible(request.user).filter(username=staff_no).first()
    )
    if person is None:
        raise ValidationError(
            {"owner": [_("No one with that staff number holds a post you can see.")]}
        )
    return person


def _issue(request, review):
    unit = units_visible(request.user).filter(code=P(request, "owner_unit")).first()
    try:
        due = _due(P(request, "due_at"))
    except ValueError:
        raise ValidationError({"due_at": [_("Enter the date as YYYY-MM-DD.")]}) from None
    services.action_issue(
        actor=request.user,
        source_type=services.REVIEW_SOURCE,
        source_id=review.pk,
        title=P(request, "title"),
        requirement=P(request, "requirement"),
        evidence_required=P(request, "evidence_required"),
        owner_unit=unit,
        owner=_owner(request),
        due_at=due,
    )


@login_required
@require_POST
def review_action_new(request, pk):
    return _review_action(
        request, pk, "action", lambda r: _issue(request, r), _("Corrective action issued.")
    )


# ---- corrective actions --------------------------------------------------------------------


@login_required
@require_GET
def action_list(request):
    by = "due" if request.GET.get("by") == "due" else "unit"
    now = timezone.now()
    context = {"by": by, "red_counts": selectors.red_counts(request.user)}
    if by == "due":
        context["actions"] = selectors.actions_by_due(request.user, now=now)
    else:
        context["groups"] = selectors.actions_by_unit(request.user, now=now)
    return render(request, "aftermath/actions.html", context)


def _action_render(request, action, status=200, **extra):
    context = {
        **selectors.action_page(request.user, action),
        "form_errors": {},
        "kept": {},
        **extra,
    }
    return render(request, "aftermath/action.html", context, status=status)


@login_required
@require_GET
def action_detail(request, pk):
    return _action_render(request, selectors.action_get(request.user, pk))


def _on_action(request, pk, form, call, success):
    action = selectors.action_get(request.user, pk)
    try:
        call(action)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    except ValidationError as exc:
        return _action_render(
            request, action, 400, form_errors={form: _errors(exc)}, kept={form: request.POST}
        )
    messages.success(request, success)
    return redirect("action_detail", action.pk)


@login_required
@require_POST
def action_progress(request, pk):
    return _on_action(
        request,
        pk,
        "progress",
        lambda a: services.action_progress(
            actor=request.user,
            action=a,
            text=P(request, "text"),
            attachments=request.FILES.getlist("attachments"),
        ),
        _("Progress reported."),
    )


@login_required
@require_POST
def action_submit(request, pk):
    return _on_action(
        request,
        pk,
        "submit",
        lambda a: services.action_submit(
            actor=request.user,
            action=a,
            evidence_text=P(request, "evidence_text"),
            attachments=request.FILES.getlist("attachments"),
        ),
        _("Submitted for inspection."),
    )


@login_required
@require_POST
def action_inspect(request, pk):
    verdict = P(request, "verdict")
    return _on_action(
        request,
        pk,
        "inspect",
        lambda a: services.action_inspect(
            actor=request.user, action=a, verdict=verdict, reason=P(request, "reason")
        ),
        _("Action accepted.") if verdict == "accept" else _("Action sent back."),
    )

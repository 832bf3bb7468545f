"""Handover pages: mine (to acknowledge, given), one handover with the note and the
acknowledgement, and 学生处's shared period."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import permissions, selectors, services


def inbox_pending_section(request) -> str:
    """notify's inbox: the handovers the person must still acknowledge."""
    pending = list(selectors.pending_for(request.user)[:20])
    if not pending:
        return ""
    return render_to_string("handovers/_inbox_pending.html", {"pending": pending}, request=request)


@login_required
@require_GET
def handover_list(request):
    rows = list(selectors.handovers_visible(request.user)[:200])
    return render(
        request,
        "handovers/list.html",
        {"handovers": rows, "may_set": permissions.can_set_shared_period(request.user)},
    )


@login_required
@require_GET
def handover_detail(request, pk):
    handover = selectors.handover_get(request.user, pk)
    return render(
        request,
        "handovers/detail.html",
        {
            "handover": handover,
            "classes": list(handover.classes.all()),
            "moved": selectors.moved_lines(handover),
            "may_ack": permissions.can_acknowledge(request.user, handover)
            and handover.state == handover.State.PENDING,
            "may_note": permissions.can_write_note(request.user, handover),
        },
    )


def _refused(request, exc, status):
    return render(
        request,
        "talks/refused.html",
        {"reason": " ".join(getattr(exc, "messages", [])) or str(exc) or _("Permission denied.")},
        status=status,
    )


@login_required
@require_POST
def handover_ack(request, pk):
    handover = selectors.handover_get(request.user, pk)
    try:
        services.handover_acknowledge(actor=request.user, handover=handover)
    except PermissionDenied as exc:
        return _refused(request, exc, 403)
    except ValidationError as exc:
        return _refused(request, exc, 400)
    messages.success(request, _("Handover acknowledged."))
    return redirect("handover_detail", pk=pk)


@login_required
@require_POST
def handover_note(request, pk):
    handover = selectors.handover_get(request.user, pk)
    try:
        services.handover_note_set(
            actor=request.user, handover=handover, note=request.POST.get("note", "")[:5000]
        )
    except PermissionDenied as exc:
        return _refused(request, exc, 403)
    except ValidationError as exc:
        return _refused(request, exc, 400)
    messages.success(request, _("Note saved."))
    return redirect("handover_detail", pk=pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def handover_settings(request):
    if not permissions.can_set_shared_period(request.user):
        raise PermissionDenied
    error = ""
    if request.method == "POST":
        try:
            services.shared_period_set(
                actor=request.user, days=request.POST.get("shared_days", "")[:5]
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Saved."))
            return redirect("handover_settings")
    return render(
        request,
        "handovers/settings.html",
        {"shared_days": services.shared_days(), "error": error},
        status=400 if error else 200,
    )

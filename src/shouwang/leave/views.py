"""The approvers' pages: the queue (leave_queue), one request, its decision and 销假."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import permissions, selectors, services


@login_required
def leave_queue(request):
    now = timezone.now()
    waiting = list(selectors.queue(request.user)[: selectors.QUEUE_MAX])
    away = list(selectors.away_now(request.user, now).order_by("end_at")[:200])
    for leave in away:
        leave.late = leave.end_at < now
    return render(request, "leave/queue.html", {"waiting": waiting, "away": away, "now": now})


@login_required
def leave_detail(request, pk):
    leave = selectors.leave_for(request.user, pk)
    return render(request, "leave/detail.html", _detail(request, leave))


def _detail(request, leave) -> dict:
    return {
        "leave": leave,
        "decisions": selectors.decisions(leave),
        "events": selectors.timeline(leave),
        "may_decide": permissions.may_decide(request.user, leave),
        "may_close": permissions.may_close(request.user, leave),
    }


def _errors(request, e: ValidationError):
    for message in e.messages:
        messages.error(request, message)


@login_required
@require_POST
def leave_decide(request, pk):
    leave = selectors.leave_for(request.user, pk)
    try:
        services.leave_decide(
            actor=request.user,
            leave=leave,
            verdict=request.POST.get("verdict", "")[:20],
            note=request.POST.get("note", "")[:600],
        )
    except ValidationError as e:
        _errors(request, e)
        return render(request, "leave/detail.html", _detail(request, leave), status=400)
    messages.success(request, _("Decision recorded."))
    return redirect("leave_queue")


@login_required
@require_POST
def leave_return(request, pk):
    leave = selectors.leave_for(request.user, pk)
    try:
        services.leave_return(actor=request.user, leave=leave)
    except ValidationError as e:
        _errors(request, e)
        return redirect("leave_detail", pk=pk)
    messages.success(request, _("The leave is closed (销假)."))
    return redirect("leave_detail", pk=pk)

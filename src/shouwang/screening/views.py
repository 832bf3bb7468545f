"""Screening pages: the rounds, the import (a queued job; its page polls the progress every
second with htmx), a round's totals with a chart, the open interviews and recording one.
Rounds are for the psych centre and 学生处; students' interviews for the psych centre only;
anyone else gets 403 on the import and 404 on everything that names a round or a student."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from shouwang.sheets import template_csv, template_xlsx

from . import permissions, selectors, services
from .instruments import SHEET_TITLES, SPECS
from .models import Instrument, Interview

ERRORS_SHOWN = 500


def _require_rounds(request):
    if not permissions.can_see_rounds(request.user):
        raise Http404


@login_required
@require_GET
def screening_rounds(request):
    _require_rounds(request)
    return render(
        request,
        "screening/rounds.html",
        {
            "rounds": selectors.rounds_visible(request.user)[:100],
            "may_import": permissions.can_import(request.user),
            "may_see_students": permissions.is_psych_centre(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])  # a form page: anything else is 405
def screening_import(request):
    if not permissions.can_import(request.user):
        raise PermissionDenied
    errors, status = {}, 200
    values = {
        "term": "",
        "instrument": Instrument.UPI,
        "held_on": timezone.localdate().isoformat(),
    }
    if request.method == "POST":
        values = {
            "term": request.POST.get("term", "")[:100],
            "instrument": request.POST.get("instrument", "")[:10],
            "held_on": request.POST.get("held_on", "")[:20],
        }
        upload = request.FILES.get("file")
        try:
            rnd = services.round_request(
                actor=request.user,
                data=upload,
                filename=upload.name if upload else "",
                **values,
            )
        except ValidationError as exc:
            errors, status = exc.message_dict, 400
        except PermissionDenied as exc:
            errors, status = {"file": [str(exc)]}, 403
        else:
            return redirect("screening_round", rnd.pk)
    return render(
        request,
        "screening/import.html",
        {"instruments": Instrument.choices, "values": values, "errors": errors},
        status=status,
    )


@login_required
@require_GET
def screening_template(request, instrument):
    if not permissions.can_import(request.user):
        raise PermissionDenied
    if instrument not in SPECS:
        raise Http404
    columns = SPECS[instrument].columns
    if request.GET.get("format") == "csv":
        response = HttpResponse(template_csv(columns), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="shouwang-screening-{instrument}.csv"'
        )
        return response
    response = HttpResponse(
        template_xlsx(columns, SHEET_TITLES[instrument]),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="shouwang-screening-{instrument}.xlsx"'
    return response


def _round_context(request, pk):
    rnd = selectors.round_get(request.user, pk)
    errors = selectors.round_errors(rnd)
    return {
        "round": rnd,
        "summary": selectors.round_summary(request.user, rnd)
        if rnd.state == rnd.State.IMPORTED
        else None,
        "errors_shown": errors[:ERRORS_SHOWN],
        "errors_hidden": max(0, rnd.error_count - min(len(errors), ERRORS_SHOWN)),
    }


@login_required
@require_GET
def screening_round(request, pk):
    return render(request, "screening/round.html", _round_context(request, pk))


@login_required
@require_GET
def screening_round_progress(request, pk):
    """The changing part of the round's page; without a poll trigger once the job has ended
    (then htmx swaps in the whole result: totals, or the file's errors)."""
    return render(request, "screening/_progress.html", _round_context(request, pk))


@login_required
@require_GET
def screening_interviews(request):
    if not permissions.is_psych_centre(request.user):
        raise Http404
    round_id = request.GET.get("round", "")
    round_id = int(round_id) if round_id.isdigit() and len(round_id) < 10 else None
    interviews = selectors.interviews_open(request.user, round_id=round_id)
    return render(
        request,
        "screening/interviews.html",
        {
            "interviews": interviews,
            "overdue": sum(1 for i in interviews if i.is_overdue),
            "round_id": round_id,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])  # a form page: anything else is 405
def screening_interview(request, pk):
    interview = selectors.interview_get(request.user, pk)
    errors, status = {}, 200
    values = {"held_on": timezone.localdate().isoformat(), "outcome": "", "note": ""}
    if request.method == "POST":
        values = {
            "held_on": request.POST.get("held_on", "")[:20],
            "outcome": request.POST.get("outcome", "")[:20],
            "note": request.POST.get("note", "")[:2100],
        }
        try:
            services.interview_record(actor=request.user, interview=interview, **values)
        except ValidationError as exc:
            errors, status = exc.message_dict, 400
        except PermissionDenied as exc:
            errors, status = {"held_on": [str(exc)]}, 403
        else:
            return redirect("screening_interview", interview.pk)
    services.result_read(actor=request.user, interview=interview)
    return render(
        request,
        "screening/interview.html",
        {
            "interview": interview,
            "result": selectors.result_of(interview),
            "outcomes": Interview.Outcome.choices,
            "values": values,
            "errors": errors,
        },
        status=status,
    )

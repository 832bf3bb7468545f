"""Talks pages: the checklist (本月尚未谈心：N 人), one student's records with the form to record
a talk, the statistics per counsellor and college, the semester calendar, and the guardian's
public confirmation page (the signed one-time link is the credential)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import permissions, selectors, services
from .forms import SemesterForm, TalkForm
from .models import Kind


def _errors_into(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def _refuse_non_staff(request):
    if not permissions.can_record_talks(request.user):
        raise Http404


@login_required
@require_GET
def checklist(request):
    _refuse_non_staff(request)
    return render(request, "talks/checklist.html", selectors.checklist(request.user))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def student(request, student_no):
    _refuse_non_staff(request)
    pupil = selectors.student_for_talks(request.user, student_no)
    initial = {}
    if request.GET.get("kind") in Kind.values:
        initial["kind"] = request.GET["kind"]
    form = TalkForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.talk_record(actor=request.user, student=pupil, **form.cleaned_data)
        except ValidationError as exc:
            _errors_into(form, exc)
        else:
            messages.success(request, _("Recorded."))
            return redirect("talks_student", student_no=pupil.student_no)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "talks/student.html",
        {
            "student": pupil,
            "form": form,
            "talks": list(selectors.talks_for_student(request.user, pupil)[:100]),
            "obligations": list(selectors.obligations_for_student(request.user, pupil)[:24]),
            "links": list(selectors.guardian_links_for(request.user, pupil)[:5]),
        },
        status=status,
    )


@login_required
@require_POST
def guardian_send(request, student_no):
    _refuse_non_staff(request)
    pupil = selectors.student_for_talks(request.user, student_no)
    try:
        services.guardian_verification_send(actor=request.user, student=pupil)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return render(request, "talks/refused.html", {"reason": " ".join(exc.messages)}, status=400)
    messages.success(request, _("A verification link will be sent to the guardian by SMS."))
    return redirect("talks_student", student_no=pupil.student_no)


@login_required
@require_GET
def statistics(request):
    _refuse_non_staff(request)
    kind = request.GET.get("kind", Kind.TALK)
    kind = kind if kind in Kind.values else Kind.TALK
    stats = selectors.statistics(request.user, kind=kind)
    chart = {
        "holders": [r["name"] for r in stats["by_holder"][:30]],
        "met": [r["met"] for r in stats["by_holder"][:30]],
        "open": [r["open"] for r in stats["by_holder"][:30]],
        "overdue": [r["overdue"] for r in stats["by_holder"][:30]],
        "labels": {"met": _("Met"), "open": _("Not yet done"), "overdue": _("Overdue")},
    }
    return render(
        request,
        "talks/statistics.html",
        {**stats, "kinds": Kind.choices, "chart": chart},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def semesters(request):
    may_edit = permissions.can_edit_semesters(request.user)
    form = SemesterForm(request.POST or None)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.semester_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _errors_into(form, exc)
            else:
                messages.success(request, _("Semester added."))
                return redirect("talks_semesters")
    return render(
        request,
        "talks/semesters.html",
        {"semesters": list(selectors.semesters()), "form": form, "may_edit": may_edit},
        status=400 if request.method == "POST" else 200,
    )


_LINK_STATUS = {"invalid": 400, "used": 410, "expired": 410}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def guardian_confirm(request, token):
    """GET shows what would be confirmed (link scanners fetch it); POST confirms. No login: the
    page shows only the masked number and the student's surname initial."""
    try:
        link = services.guardian_link_check(token)
        if request.method == "POST":
            services.guardian_link_confirm(token=token)
            return render(request, "talks/guardian_confirm.html", {"done": True})
    except ValidationError as exc:
        status = _LINK_STATUS.get(exc.error_list[0].code or "", 410)
        return render(
            request, "talks/guardian_confirm.html", {"error": exc.messages[0]}, status=status
        )
    masked = link.phone[:3] + "****" + link.phone[-4:] if len(link.phone) >= 7 else "****"
    return render(
        request,
        "talks/guardian_confirm.html",
        {"masked": masked, "initial": link.student.name[:1]},
    )

"""Pages: the 学业预警 list (scoped), the parent-contact form, the import page with the job's
progress, the rules editor. Thin: parse, call a service or selector, render."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shouwang.org.models import Unit
from shouwang.org.scope import scope_for
from shouwang.sheets import template_csv, template_xlsx

from . import importing, permissions, selectors, services
from .models import AcademicWarning, ImportJob, ParentContact, TruancyRule
from .rules import SEVERITY_CHOICES

ERRORS_SHOWN = 500
PAGE = 200


def _messages(exc: ValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {f: [m for e in errs for m in e.messages] for f, errs in exc.error_dict.items()}
    return {"__all__": exc.messages}


@login_required
@require_GET
def warnings_page(request):
    level = request.GET.get("level", "")
    contact = request.GET.get("contact", "")
    if level not in AcademicWarning.Level.values:
        level = ""
    if contact not in AcademicWarning.Contact.values:
        contact = ""
    unit = None
    code = request.GET.get("unit", "")[:40]
    if code:
        unit = Unit.objects.filter(code=code).first()
        if unit is None or not scope_for(request.user).contains_path(unit.path):
            unit = None
    warnings = selectors.warnings_list(request.user, level=level, contact=contact, unit=unit)
    return render(
        request,
        "studies/warnings.html",
        {
            "rows": selectors.warning_rows(request.user, warnings[:PAGE]),
            "summary": selectors.warnings_summary(request.user),
            "levels": AcademicWarning.Level.choices,
            "contacts": AcademicWarning.Contact.choices,
            "level": level,
            "contact": contact,
            "unit": unit,
            "modes": ParentContact.Mode.choices,
            "cases": selectors.truancy_cases_visible(request.user)[:50],
            "can_import": permissions.can_import(request.user),
            "can_edit_rules": permissions.can_edit_rules(request.user),
        },
    )


@login_required
@require_POST
def contact_record(request, warning_id):
    try:
        warning = selectors.warning_get(request.user, warning_id)
    except AcademicWarning.DoesNotExist:
        raise Http404 from None
    try:
        day = datetime.date.fromisoformat(request.POST.get("date", "")[:10])
    except ValueError:
        day = None
    try:
        services.parent_contact_record(
            actor=request.user,
            warning=warning,
            date=day,
            mode=request.POST.get("mode", ""),
            summary=request.POST.get("summary", "")[:5000],
        )
    except ValidationError as exc:
        return render(
            request,
            "studies/contact_error.html",
            {"warning": warning, "errors": _messages(exc)},
            status=400,
        )
    return redirect("studies_warnings")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])  # a form page: anything else is 405
def import_page(request):
    if not permissions.can_import(request.user):
        raise PermissionDenied
    errors, kind = {}, request.POST.get("kind", ImportJob.Kind.ATTENDANCE)
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            errors = {"file": [_("Choose a file.")]}
        else:
            try:
                job = services.import_request(
                    actor=request.user, kind=kind, data=upload, filename=upload.name
                )
            except ValidationError as exc:
                errors = _messages(exc)
            else:
                return redirect("studies_import_job", job_id=job.pk)
    return render(
        request,
        "studies/import.html",
        {
            "kinds": ImportJob.Kind.choices,
            "kind": kind,
            "errors": errors,
            "jobs": selectors.jobs_for(request.user)[:20],
        },
        status=400 if errors else 200,
    )


@login_required
@require_GET
def import_job(request, job_id):
    try:
        job = selectors.job_get(request.user, job_id)
    except ImportJob.DoesNotExist:
        raise Http404 from None
    template = "studies/_job.html" if request.htmx else "studies/job.html"
    return render(
        request,
        template,
        {
            "job": job,
            "errors_shown": job.errors[:ERRORS_SHOWN],
            "running": job.state in (ImportJob.State.QUEUED, ImportJob.State.RUNNING),
        },
    )


@login_required
@require_GET
def import_template(request, kind):
    if not permissions.can_import(request.user):
        raise PermissionDenied
    if kind not in importing.SPECS:
        raise Http404
    if request.GET.get("format") == "csv":
        response = HttpResponse(
            template_csv(importing.SPECS[kind]), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="shouwang-{kind}-template.csv"'
        return response
    response = HttpResponse(
        template_xlsx(importing.SPECS[kind], kind),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="shouwang-{kind}-template.xlsx"'
    return response


def _int(value):
    try:
        return int(str(value).strip()[:6])
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])  # a form page: anything else is 405
def rules_page(request):
    if not permissions.can_edit_rules(request.user):
        raise PermissionDenied
    errors, form = {}, request.POST.get("form", "")
    if request.method == "POST":
        p = request.POST
        try:
            if form == "warning":
                services.warning_rule_update(
                    actor=request.user,
                    yellow_over=p.get("yellow_over", "")[:10],
                    orange_from=p.get("orange_from", "")[:10],
                    red_over=p.get("red_over", "")[:10],
                    contact_days=_int(p.get("contact_days", "")),
                    remind_days=_int(p.get("remind_days", "")),
                )
            elif form == "truancy":
                rule_id = _int(p.get("rule", ""))
                rule = TruancyRule.objects.filter(pk=rule_id).first() if rule_id else None
                if rule_id and rule is None:
                    raise Http404
                services.truancy_rule_save(
                    actor=request.user,
                    rule=rule,
                    name=p.get("name", "")[:100],
                    absences=_int(p.get("absences", "")),
                    days=_int(p.get("days", "")),
                    severity=p.get("severity", "general"),
                    is_active=p.get("is_active") == "on",
                )
            else:
                raise ValidationError(_("Unknown form."))
        except ValidationError as exc:
            errors = _messages(exc)
        else:
            return redirect("studies_rules")
    return render(
        request,
        "studies/rules.html",
        {
            "truancy_rules": selectors.truancy_rules(),
            "warning_rule": selectors.warning_rule(),
            "severities": SEVERITY_CHOICES,
            "errors": errors,
            "form": form,
            "posted": request.POST,
        },
        status=400 if errors else 200,
    )

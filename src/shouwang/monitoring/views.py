"""Monitoring pages: tonight (live), the dorm round on a phone, a student's 30-day traces, the
rules editor, vendor formats and gate-export imports. Thin: services write, selectors read."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shouwang.escalation.levels import Severity
from shouwang.org.models import Unit
from shouwang.reports.models import Category

from . import gate_import, permissions, rules, selectors, services
from .models import Rule


@login_required
@require_GET
def tonight(request):
    context = selectors.tonight(request.user)
    context["absent"] = selectors.absent_tonight(request.user)
    context["does_rounds"] = bool(permissions.round_paths(request.user))
    context["may_edit_rules"] = permissions.can_edit_rules(request.user)
    context["may_import"] = permissions.can_import_traces(request.user)
    template = "monitoring/_tonight.html" if request.htmx else "monitoring/tonight.html"
    return render(request, template, context)


@login_required
@require_GET
def rounds(request):
    return render(request, "monitoring/rounds.html", {"rooms": selectors.round_rooms(request.user)})


@login_required
@require_POST
def round_mark(request, student_no):
    student = selectors.round_student(request.user, student_no)
    try:
        services.round_mark(actor=request.user, student=student, status=request.POST.get("status"))
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        return render(
            request,
            "monitoring/_round_row.html",
            {"row": selectors.round_row(student), "error": " ".join(exc.messages)},
            status=400,
        )
    row = selectors.round_row(student)
    if not request.htmx:
        return redirect("monitoring_rounds")
    return render(request, "monitoring/_round_row.html", {"row": row})


@login_required
@require_GET
def student_traces(request, student_no):
    return render(
        request, "monitoring/student.html", selectors.student_traces(request.user, student_no)
    )


def _rule_form_context(rule=None, data=None, errors=None):
    return {
        "rule": rule,
        "data": data or {},
        "errors": errors or {},
        "kinds": Rule.Kind.choices,
        "categories": Category.objects.filter(is_active=True),
        "severities": Severity.choices,
        "buildings": selectors.buildings(),
    }


def _rule_fields(post):
    building = None
    code = post.get("building") or ""
    if code:
        building = Unit.objects.filter(code=code[:40]).first()
    return {
        "kind": post.get("kind", ""),
        "name": post.get("name", "")[:100],
        "category": post.get("category", "")[:40],
        "severity": post.get("severity", "")[:10],
        "cutoff": post.get("cutoff", "")[:10],
        "hours": post.get("hours") or None,
        "hold_share": (post.get("hold_share") or "")[:4] or rules.HOLD_SHARE,
        "building": building,
        "is_active": post.get("is_active") == "on",
    }


@login_required
@require_http_methods(["GET", "POST"])
def rule_list(request):
    """The rules, and (for 学生处) a new one: unknown category or impossible time → 400."""
    may_edit = permissions.can_edit_rules(request.user)
    context = {"rules": selectors.rules_list(), "may_edit": may_edit}
    status = 200
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if request.POST.get("defaults"):
            services.rules_install_defaults(actor=request.user)
            return redirect("monitoring_rules")
        fields = _rule_fields(request.POST)
        try:
            services.rule_save(actor=request.user, **fields)
            return redirect("monitoring_rules")
        except ValidationError as exc:
            context |= _rule_form_context(data=request.POST, errors=exc.message_dict)
            status = 400
    else:
        context |= _rule_form_context(data={"is_active": "on", "hold_share": rules.HOLD_SHARE})
    return render(request, "monitoring/rules.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk):
    if not permissions.can_edit_rules(request.user):
        raise PermissionDenied
    rule = selectors.rule_get(pk)
    if request.method == "POST":
        fields = _rule_fields(request.POST)
        fields["kind"] = rule.kind
        try:
            services.rule_save(actor=request.user, rule=rule, **fields)
            return redirect("monitoring_rules")
        except ValidationError as exc:
            return render(
                request,
                "monitoring/rule_edit.html",
                _rule_form_context(rule, request.POST, exc.message_dict),
                status=400,
            )
    data = {
        "name": rule.name,
        "category": rule.category,
        "severity": rule.severity,
        "cutoff": rule.cutoff.strftime("%H:%M") if rule.cutoff else "",
        "hours": rule.hours or "",
        "hold_share": rule.hold_share,
        "building": rule.building.code if rule.building else "",
        "is_active": "on" if rule.is_active else "",
    }
    return render(request, "monitoring/rule_edit.html", _rule_form_context(rule, data))


@login_required
@require_http_methods(["GET", "POST"])
def gate_imports(request):
    """Vendor formats (mapped once) and uploading an export, imported by the worker."""
    if not permissions.can_import_traces(request.user):
        raise PermissionDenied
    errors, status = {}, 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "vendor":
                services.vendor_format_save(
                    actor=request.user,
                    name=request.POST.get("name", ""),
                    columns={f: request.POST.get(f"col_{f}", "") for f in services.VENDOR_FIELDS},
                    in_words=request.POST.get("in_words", "")[:200].split(","),
                    out_words=request.POST.get("out_words", "")[:200].split(","),
                )
                return redirect("monitoring_imports")
            vendor = next(
                (v for v in selectors.vendor_formats() if str(v.pk) == request.POST.get("vendor")),
                None,
            )
            upload = request.FILES.get("file")
            if vendor is None or upload is None:
                raise ValidationError({"file": ["请选择门禁导出格式并选择文件。"]})
            job = gate_import.gate_import_request(actor=request.user, vendor=vendor, upload=upload)
            return redirect("monitoring_import", pk=job.pk)
        except ValidationError as exc:
            errors, status = exc.message_dict, 400
    return render(
        request,
        "monitoring/imports.html",
        {"vendors": selectors.vendor_formats(), "errors": errors, "fields": services.VENDOR_FIELDS},
        status=status,
    )


@login_required
@require_GET
def gate_import_detail(request, pk):
    job = selectors.gate_import_get(request.user, pk)
    template = "monitoring/_import_progress.html" if request.htmx else "monitoring/import.html"
    return render(request, template, {"job": job})

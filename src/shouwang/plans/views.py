"""Plan pages: the library, one plan with its resource gaps, clone, the YAML editor with live
validation, and the resource register. Thin: services validate and write."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from . import selectors, services
from .loading import PlanError
from .models import Resource
from .permissions import can_activate_any, can_manage_plans


def error_list(exc: ValidationError) -> list[str]:
    return exc.messages


@login_required
def plan_list(request):
    return render(
        request,
        "plans/list.html",
        {"plans": selectors.plans_list(request.user), "can_manage": can_manage_plans(request.user)},
    )


@login_required
def plan_detail(request, code):
    plan = selectors.plan_get(request.user, code)
    version = plan.current
    return render(
        request,
        "plans/detail.html",
        {
            "plan": plan,
            "version": version,
            "doc": version.document,
            "versions": plan.versions.order_by("-number"),
            "resources": selectors.resource_gaps(version.document),
            "can_manage": can_manage_plans(request.user),
            "command_group": selectors.command_group_lines(version.document),
            "can_activate": can_activate_any(request.user),
        },
    )


@login_required
@require_POST
def plan_clone(request, code):
    plan = selectors.plan_get(request.user, code)
    try:
        clone = services.plan_clone(
            actor=request.user,
            plan=plan,
            code=request.POST.get("code", ""),
            title=request.POST.get("title", ""),
        )
    except ValidationError as exc:
        for message in error_list(exc):
            messages.error(request, message)
        return redirect("plan_detail", code)
    messages.success(request, _("Cloned as %(title)s: edit it below.") % {"title": clone.title})
    return redirect("plan_edit", clone.code)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])  # a form page: anything else is 405
def plan_edit(request, code):
    plan = selectors.plan_get(request.user, code)
    if not can_manage_plans(request.user):
        raise PermissionDenied
    text, errors = plan.current.yaml_text, []
    if request.method == "POST":
        text = request.POST.get("yaml_text", "")
        try:
            version = services.plan_version_save(actor=request.user, plan=plan, yaml_text=text)
        except ValidationError as exc:
            errors = error_list(exc)
        else:
            messages.success(request, _("Saved as version %(n)d.") % {"n": version.number})
            return redirect("plan_detail", code)
    return render(
        request,
        "plans/edit.html",
        {"plan": plan, "text": text, "errors": errors},
        status=400 if errors else 200,
    )


@login_required
@require_POST
def plan_check(request, code):
    """Live validation for the editor (htmx): the problems, each with its line, or "valid".
    For those who may edit plans, as the editor it serves."""
    plan = selectors.plan_get(request.user, code)
    if not can_manage_plans(request.user):
        raise PermissionDenied
    try:
        services.plan_parse(request.POST.get("yaml_text", ""), f"{plan.code}.yaml")
        problems = []
    except PlanError as exc:
        problems = [str(p) for p in exc.errors]
    return render(request, "plans/_check.html", {"problems": problems})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])  # a form page: anything else is 405
def resource_list(request):
    can_manage = can_manage_plans(request.user)
    errors = []
    if request.method == "POST":
        try:
            services.resource_save(
                actor=request.user,
                kind=request.POST.get("kind", ""),
                name=request.POST.get("name", ""),
                quantity=request.POST.get("quantity"),
                unit_label=request.POST.get("unit_label", ""),
                location=request.POST.get("location", ""),
            )
        except ValidationError as exc:
            errors = error_list(exc)
        else:
            messages.success(request, _("Resource saved."))
            return redirect("resource_list")
    return render(
        request,
        "plans/resources.html",
        {
            "resources": selectors.resources_list(request.user),
            "can_manage": can_manage,
            "errors": errors,
            "kinds": Resource.Kind.choices,
            "posted": request.POST if errors else {},
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def resource_delete(request, pk):
    services.resource_delete(actor=request.user, resource=get_object_or_404(Resource, pk=pk))
    messages.success(request, _("Resource removed."))
    return redirect("resource_list")

"""Pages for escalation policies, the duty roster and the holiday calendar. Thin: a form parses,
a service writes (and checks who may), a selector reads. A service's ValidationError is shown
to the person, every message of it, and nothing is written."""

import datetime

import yaml
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shouwang import bounds
from shouwang.org import selectors as org
from shouwang.org.permissions import may_see_contacts

from . import duty_import, selectors, services
from .forms import DutyShiftForm, HolidayForm, PolicyCreateForm, PolicyForm, RosterImportForm
from .permissions import can_edit_any_roster, can_edit_holidays, can_edit_policies
from .policies import LEVEL_KINDS, validate_steps

# A page listing thousands of import errors helps nobody: the first ones show what to fix.
ERRORS_SHOWN = 300


def _errors(form, exc: ValidationError):
    for message in exc.messages:
        form.add_error(None, message)


def _steps_text(steps):
    return yaml.safe_dump(
        steps, allow_unicode=True, sort_keys=False, default_flow_style=None, width=200
    )


# ---- policies ------------------------------------------------------------------------------


@login_required
def policy_list(request):
    return render(
        request,
        "escalation/policies.html",
        {"rows": selectors.policies_with_summary(), "can_edit": can_edit_policies(request.user)},
    )


def _policy_page(request, form, *, policy=None, status=200):
    return render(
        request,
        "escalation/policy_edit.html",
        {
            "form": form,
            "policy": policy,
            "can_edit": can_edit_policies(request.user),
            "history": selectors.policy_history(policy) if policy else [],
            "severity_label": selectors.severity_label(policy.severity) if policy else "",
            "summary": selectors.steps_summary(policy.steps, policy.start_step) if policy else [],
            "roles": selectors.roles_reference(),
            "levels": [(k, selectors.at_label(k)) for k in LEVEL_KINDS],
            "offices": sorted(selectors.office_names().items()),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])  # a form page: anything else is 405
def policy_edit(request, pk):
    policy = selectors.policy_get(pk)
    if request.method != "POST":
        form = PolicyForm(
            initial={
                "name": policy.name,
                "is_active": policy.is_active,
                "steps": _steps_text(policy.steps),
                "start_step": policy.start_step + 1,
            }
        )
        return _policy_page(request, form, policy=policy)
    if not can_edit_policies(request.user):
        raise PermissionDenied
    form = PolicyForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            before = policy.version
            policy = services.policy_update(
                actor=request.user,
                policy=policy,
                steps=d["steps"],
                start_step=form.start_index,
                name=d["name"],
                is_active=d["is_active"],
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            if policy.version == before:
                messages.info(request, _("Nothing changed."))
            else:
                messages.success(
                    request,
                    _(
                        "Policy saved as version %(version)d. Reports already filed keep the "
                        "route they started with."
                    )
                    % {"version": policy.version},
                )
            return redirect("escalation_policies")
    return _policy_page(request, form, policy=policy, status=400)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])  # a form page: anything else is 405
def policy_new(request):
    if not can_edit_policies(request.user):
        raise PermissionDenied
    if request.method != "POST":
        default = next(
            (p for p in selectors.policies() if p.category_id is None and not p.severity), None
        )
        form = PolicyCreateForm(
            initial={
                "is_active": True,
                "start_step": 1,
                "steps": _steps_text(default.steps) if default else "",
            }
        )
        return _policy_page(request, form)
    form = PolicyCreateForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            policy = services.policy_create(
                actor=request.user,
                name=d["name"],
                category=d["category"],
                severity=d["severity"],
                steps=d["steps"],
                start_step=form.start_index,
                is_active=d["is_active"],
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Policy %(name)s created.") % {"name": policy.name})
            return redirect("escalation_policies")
    return _policy_page(request, form, status=400)


@login_required
@require_POST
def policy_validate(request):
    """htmx: check the editor's text as it is typed; the list of errors, or a preview."""
    if not can_edit_policies(request.user):
        raise PermissionDenied
    form = PolicyForm(request.POST)
    form.is_valid()
    # Only the steps and the start matter here; the name is checked on save.
    errors, preview = [*form.errors.get("steps", []), *form.errors.get("start_step", [])], []
    if not errors:
        steps, start = form.cleaned_data["steps"], form.start_index
        try:
            validate_steps(steps, start)
        except ValidationError as exc:
            errors = exc.messages
        else:
            preview = selectors.steps_summary(steps, start)
    return render(request, "escalation/_policy_check.html", {"errors": errors, "preview": preview})


# ---- duty roster ---------------------------------------------------------------------------


def _week_start(raw):
    try:
        day = datetime.date.fromisoformat(raw) if raw else timezone.localdate()
        bounds.check_date(day)  # week=9999-12-31 would run past the last date Python has
    except (ValueError, ValidationError):
        day = timezone.localdate()
    return day - datetime.timedelta(days=day.weekday())  # weeks start on Monday, as in a calendar


def _typed_unit(request, param, lookup):
    """A unit code typed into a filter: a typo is said on the page rather than turning it into a
    404."""
    code = request.GET.get(param, "").strip()
    try:
        return lookup(code)
    except Http404:
        messages.error(
            request, _("Unit code %(code)s is unknown or outside your units.") % {"code": code}
        )
        return None


def _roster_page(request, *, add_form=None, import_form=None, import_result=None, status=200):
    viewer, now = request.user, timezone.now()
    unit = _typed_unit(request, "unit", lambda code: org.unit_get(viewer, code) if code else None)
    on_units = _typed_unit(
        request, "on", lambda code: selectors.on_duty_units(viewer, code)
    ) or selectors.on_duty_units(viewer)
    on_duty = selectors.on_duty_grouped(on_units, now)
    errors = import_result.errors if import_result else []
    week = selectors.roster_week(viewer, start=_week_start(request.GET.get("week")), unit=unit)
    # Units kept on a roster outside the viewer's scope (a counsellor's classes, the college's
    # roster): the week grid is empty, but the page must not say there is no roster.
    covering = list(dict.fromkeys(s.unit.label for od in on_duty for s in od.shifts))
    return render(
        request,
        "escalation/duty.html",
        {
            "week": week,
            "covering_rosters": covering,
            "unit": unit,
            "on_duty": on_duty,
            "now": now,
            "today": timezone.localdate(),
            "can_edit": can_edit_any_roster(viewer),
            "unit_choices": selectors.roster_unit_choices(viewer),
            "add_form": add_form
            or DutyShiftForm(viewer=viewer, initial={"date": timezone.localdate()}),
            "import_form": import_form or RosterImportForm(),
            "import_result": import_result,
            "errors_shown": errors[:ERRORS_SHOWN],
            "errors_hidden": max(0, len(errors) - ERRORS_SHOWN),
            "night_start": settings.DUTY_NIGHT_START,
            "night_end": settings.DUTY_NIGHT_END,
            "contacts_visible": may_see_contacts(viewer),
        },
        status=status,
    )


@login_required
def duty_roster(request):
    return _roster_page(request)


@login_required
@require_POST
def duty_add(request):
    if not can_edit_any_roster(request.user):
        raise PermissionDenied
    form = DutyShiftForm(request.POST, viewer=request.user)
    if form.is_valid():
        d = form.cleaned_data
        try:
            shift = services.duty_shift_add(
                actor=request.user,
                unit=d["unit"],
                date=d["date"],
                person=d["person"],
                phone=d["phone"],
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(
                request,
                _("%(person)s is on duty for %(unit)s on %(date)s.")
                % {
                    "person": shift.person.display_name,
                    "unit": shift.unit.name,
                    "date": shift.date.isoformat(),
                },
            )
            return redirect(f"{reverse('duty_roster')}?week={shift.date.isoformat()}")
    # The form is far down the page: say so at the top, where the reloaded page opens.
    messages.error(request, _("Nothing was saved: please correct the errors below."))
    return _roster_page(request, add_form=form, status=400)


@login_required
@require_POST
def duty_remove(request, pk):
    shift = selectors.shift_get(request.user, pk)
    services.duty_shift_remove(actor=request.user, shift=shift)
    messages.success(request, _("Duty shift removed."))
    return redirect(f"{reverse('duty_roster')}?week={shift.date.isoformat()}")


@login_required
@require_POST
def duty_import_upload(request):
    if not can_edit_any_roster(request.user):
        raise PermissionDenied
    form = RosterImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Nothing was imported: please correct the errors below."))
        return _roster_page(request, import_form=form, status=400)
    upload = form.cleaned_data["file"]
    # The upload goes in as a file: its size is checked before it is read into memory.
    result = services.duty_roster_import(actor=request.user, file=upload, filename=upload.name)
    if result.ok:
        messages.success(
            request,
            _(
                "Roster imported: %(c)d added, %(u)d phone numbers changed, %(r)d removed, "
                "%(n)d unchanged."
            )
            % {
                "c": result.created,
                "u": result.updated,
                "r": result.removed,
                "n": result.unchanged,
            },
        )
    else:
        messages.error(request, _("Nothing was imported: please correct the errors below."))
    return _roster_page(request, import_result=result, status=200 if result.ok else 400)


@login_required
def duty_template(request):
    if not can_edit_any_roster(request.user):
        raise PermissionDenied
    # ?format=csv: the same template as UTF-8 CSV for offices whose tools only speak CSV.
    if request.GET.get("format") == "csv":
        response = HttpResponse(duty_import.template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="shouwang-duty-roster-template.csv"'
        return response
    response = HttpResponse(
        duty_import.template_workbook(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="shouwang-duty-roster-template.xlsx"'
    return response


# ---- holidays ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "HEAD", "POST"])  # a form page: anything else is 405
def holidays(request):
    form, status = HolidayForm(), 200
    if request.method == "POST":
        if not can_edit_holidays(request.user):
            raise PermissionDenied
        form = HolidayForm(request.POST)
        if form.is_valid():
            try:
                holiday = services.holiday_add(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(
                    request,
                    _("%(date)s %(name)s added: the person on duty receives first all day.")
                    % {"date": holiday.date.isoformat(), "name": holiday.name},
                )
                return redirect("holidays")
        status = 400
    show_all = request.GET.get("all") == "1"
    return render(
        request,
        "escalation/holidays.html",
        {
            "holidays": selectors.holidays(since=datetime.date.min if show_all else None),
            "show_all": show_all,
            "form": form,
            "can_edit": can_edit_holidays(request.user),
        },
        status=status,
    )


@login_required
@require_POST
def holiday_remove(request, pk):
    holiday = selectors.holiday_get(pk)
    services.holiday_remove(actor=request.user, holiday=holiday)
    messages.success(
        request, _("%(date)s is no longer a holiday.") % {"date": holiday.date.isoformat()}
    )
    return redirect("holidays")

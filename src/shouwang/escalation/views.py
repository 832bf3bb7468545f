import datetime

import yaml
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shouwang.accounts.models import User
from shouwang.org import selectors as org
from shouwang.org.permissions import can_manage_org

from . import selectors, services
from .models import Holiday


@login_required
def policy_list(request):
    return render(request, "escalation/policies.html", {
        "policies": selectors.policies(), "can_edit": can_manage_org(request.user)})


@login_required
def policy_edit(request, pk):
    policy = selectors.policy_get(pk)
    text = yaml.safe_dump(policy.steps, allow_unicode=True, sort_keys=False, default_flow_style=None)
    start_step, errors = policy.start_step, []
    if request.method == "POST":
        text, start_raw = request.POST.get("steps", ""), request.POST.get("start_step", "0")
        try:
            start_step = int(start_raw)
            steps = services.parse_steps(text)
            services.policy_update(actor=request.user, policy=policy, steps=steps, start_step=start_step)
        except ValueError:
            errors = [_("The start step must be a whole number.")]
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Policy saved. Reports already filed keep the route they started with."))
            return redirect("escalation_policies")
    elif not can_manage_org(request.user):
        errors = []
    return render(request, "escalation/policy_edit.html", {
        "policy": policy, "text": text, "start_step": start_step, "errors": errors,
        "can_edit": can_manage_org(request.user)}, status=400 if errors else 200)


@login_required
def duty_roster(request):
    start = timezone.localdate()
    now = timezone.now()
    return render(request, "escalation/duty.html", {
        "shifts": selectors.roster(request.user, start=start, days=14), "on_duty": selectors.on_duty_now(request.user, now),
        "night": (settings.DUTY_NIGHT_START, settings.DUTY_NIGHT_END), "ack_minutes": settings.DUTY_ACK_MINUTES,
        "today": start.isoformat(),
    })


@login_required
@require_POST
def duty_add(request):
    try:
        unit = org.unit_get(request.user, request.POST.get("unit", ""))
        person = User.objects.filter(username=request.POST.get("person", ""), is_active=True).first()
        if person is None:
            raise ValidationError(_("No active account with that user name or staff number."))
        date = datetime.date.fromisoformat(request.POST.get("date", ""))
        services.duty_shift_add(actor=request.user, unit=unit, date=date, person=person,
                                phone=request.POST.get("phone", "")[:20])
    except ValueError:
        messages.error(request, _("Enter the date as 2026-11-24."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Duty shift added."))
    return redirect("duty_roster")


@login_required
@require_POST
def duty_remove(request, pk):
    services.duty_shift_remove(actor=request.user, shift=selectors.shift_get(request.user, pk))
    messages.success(request, _("Duty shift removed."))
    return redirect("duty_roster")


@login_required
def holidays(request):
    if request.method == "POST":
        try:
            services.holiday_add(actor=request.user, date=datetime.date.fromisoformat(request.POST.get("date", "")),
                                 name=request.POST.get("name", ""))
        except ValueError:
            messages.error(request, _("Enter the date as 2026-11-24."))
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        return redirect("holidays")
    return render(request, "escalation/holidays.html", {"holidays": selectors.holidays(),
                                                         "can_edit": can_manage_org(request.user)})


@login_required
@require_POST
def holiday_remove(request, pk):
    services.holiday_remove(actor=request.user, holiday=get_object_or_404(Holiday, pk=pk))
    return redirect("holidays")

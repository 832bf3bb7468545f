import datetime

from django.shortcuts import get_object_or_404

from shouwang.org import selectors as org

from . import routing
from .models import DutyShift, EscalationPolicy, Holiday


def policies():
    return EscalationPolicy.objects.select_related("category").order_by("category__sort_order", "severity", "name")


def policy_get(pk):
    return get_object_or_404(EscalationPolicy, pk=pk)


def roster(viewer, *, start: datetime.date, days: int = 7):
    """Duty shifts in the viewer's units for `days` from `start`."""
    return (DutyShift.objects.filter(unit__in=org.units_visible(viewer), date__gte=start,
                                     date__lt=start + datetime.timedelta(days=days))
            .select_related("unit", "person").order_by("date", "unit__path"))


def shift_get(viewer, pk):
    return get_object_or_404(DutyShift.objects.filter(unit__in=org.units_visible(viewer)).select_related("unit"), pk=pk)


def on_duty_now(viewer, now):
    """Who receives first right now, if it is duty time, for each of the viewer's top units."""
    if not routing.is_duty_time(now):
        return []
    shifts = DutyShift.objects.filter(date=routing.duty_date(now), unit__in=org.units_visible(viewer))
    return list(shifts.select_related("unit", "person").order_by("unit__path"))


def holidays():
    return Holiday.objects.filter(date__gte=datetime.date.today() - datetime.timedelta(days=30))

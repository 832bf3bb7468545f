from django.contrib import admin

from shouwang.audit.admin import TimelineAdminMixin

from .models import DutyShift, Holiday


@admin.register(DutyShift)
class DutyShiftAdmin(TimelineAdminMixin, admin.ModelAdmin):
    list_display = ("date", "unit", "person", "phone")
    raw_id_fields = ("unit", "person")
    list_filter = ("date",)


@admin.register(Holiday)
class HolidayAdmin(TimelineAdminMixin, admin.ModelAdmin):
    list_display = ("date", "name")

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from shouwang.audit.admin import TimelineAdminMixin

from .models import User


@admin.register(User)
class UserAdmin(TimelineAdminMixin, BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Shouwang"), {"fields": ("full_name", "staff_no", "phone")}),
    )
    list_display = ("username", "full_name", "staff_no", "phone", "is_active")
    search_fields = ("username", "full_name", "staff_no")

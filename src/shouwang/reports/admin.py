from django.contrib import admin

from shouwang.audit.admin import TimelineAdminMixin

from .models import Category


@admin.register(Category)
class CategoryAdmin(TimelineAdminMixin, admin.ModelAdmin):
    """Reports themselves are never edited here: every change goes through the services."""

    list_display = ("code", "name", "is_security", "is_sensitive", "is_active", "sort_order")

from django.contrib import admin
from django.db import transaction

from .models import Event
from .services import event_record


class TimelineAdminMixin:
    """Admin edits go on the timeline like any other change (R-REP-7: nothing silently edited)."""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            event_record(
                actor=request.user,
                subject=obj,
                verb="admin.changed" if change else "admin.created",
                data={"fields": sorted(form.changed_data)},
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            event_record(
                actor=request.user, subject=obj, verb="admin.deleted", data={"repr": str(obj)}
            )
            super().delete_model(request, obj)

    def get_actions(self, request):
        # Bulk delete would skip delete_model and so the timeline.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("seq", "at", "verb", "subject_type", "subject_id", "actor_label")
    list_filter = ("verb", "subject_type")
    search_fields = ("subject_id", "actor_label", "verb")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

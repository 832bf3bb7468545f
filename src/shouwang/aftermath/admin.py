from django.contrib import admin

from .models import AftermathKind


@admin.register(AftermathKind)
class AftermathKindAdmin(admin.ModelAdmin):
    """The kinds of aftermath items are data: the office edits owners and due days here."""

    list_display = (
        "code",
        "name",
        "owner_roles",
        "owner_at",
        "due_days",
        "is_active",
        "sort_order",
    )
    list_editable = ("due_days", "is_active", "sort_order")

from django.contrib import admin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only here: tokens are created and revoked with `shouwang token`, which logs them."""

    list_display = (
        "name",
        "prefix",
        "unit",
        "permissions",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = (
        "name",
        "prefix",
        "unit",
        "permissions",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

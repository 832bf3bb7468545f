from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from shouwang.audit.admin import TimelineAdminMixin

from .models import BotEndpoint, NotificationRule, WebhookEndpoint, WorkApp, WorkIdentity


class SecretForm(forms.ModelForm):
    # The secret is write-only here: shown as an empty password box, kept when left empty.
    secret = forms.CharField(widget=forms.PasswordInput(render_value=False), required=False)

    def clean_secret(self):
        return self.cleaned_data["secret"] or (self.instance.secret if self.instance.pk else "")


@admin.register(BotEndpoint)
class BotEndpointAdmin(TimelineAdminMixin, admin.ModelAdmin):
    form = SecretForm
    list_display = ("name", "kind", "unit", "include_names", "is_active")
    raw_id_fields = ("unit",)

    def save_model(self, request, obj, form, change):
        from django.db import transaction

        from shouwang.audit.services import event_record

        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if "include_names" in form.changed_data or (not change and obj.include_names):
                # Said in words on the timeline: from now on the whole group reads names.
                event_record(actor=request.user, subject=obj,
                             verb="bot.names_shown" if obj.include_names else "bot.names_hidden",
                             data={"unit": obj.unit.code, "bot": obj.name})


class WorkAppForm(forms.ModelForm):
    # Write-only like the robots' secrets: an empty box keeps the stored one.
    secret = forms.CharField(label=WorkApp._meta.get_field("secret").verbose_name,
                             widget=forms.PasswordInput(render_value=False), required=False)
    api_base = forms.URLField(label=WorkApp._meta.get_field("api_base").verbose_name,
                              help_text=WorkApp._meta.get_field("api_base").help_text,
                              required=False, assume_scheme="https")

    class Meta:
        model = WorkApp
        fields = ("kind", "app_id", "secret", "agent_id", "api_base", "is_active")

    def clean_secret(self):
        return self.cleaned_data["secret"] or (self.instance.secret if self.instance.pk else "")


@admin.register(WorkApp)
class WorkAppAdmin(TimelineAdminMixin, admin.ModelAdmin):
    form = WorkAppForm
    list_display = ("kind", "app_id", "agent_id", "is_active", "status")
    readonly_fields = ("status",)

    @admin.display(description=_("status"))
    def status(self, obj):
        return obj.credentials_error or _("working")

    def save_model(self, request, obj, form, change):
        # New credentials: forget the old token and the refusal, and try again.
        obj.access_token, obj.token_expires_at, obj.credentials_error = "", None, ""
        super().save_model(request, obj, form, change)


@admin.register(WorkIdentity)
class WorkIdentityAdmin(TimelineAdminMixin, admin.ModelAdmin):
    list_display = ("person", "kind", "external_id", "source", "checked_at")
    list_filter = ("kind", "source")
    search_fields = ("person__username", "person__full_name", "person__staff_no", "external_id")
    raw_id_fields = ("person",)
    readonly_fields = ("source", "checked_at")

    def save_model(self, request, obj, form, change):
        from django.utils import timezone

        obj.source, obj.checked_at = WorkIdentity.Source.ADMIN, timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(TimelineAdminMixin, admin.ModelAdmin):
    form = SecretForm
    list_display = ("name", "url", "is_active")


@admin.register(NotificationRule)
class NotificationRuleAdmin(TimelineAdminMixin, admin.ModelAdmin):
    list_display = ("person", "position", "channel", "wait_minutes")
    raw_id_fields = ("person",)

from django import forms
from django.contrib import admin

from shouwang.audit.admin import TimelineAdminMixin

from .models import BotEndpoint, NotificationRule, WebhookEndpoint


class SecretForm(forms.ModelForm):
    # The secret is write-only here: shown as an empty password box, kept when left empty.
    secret = forms.CharField(widget=forms.PasswordInput(render_value=False), required=False)

    def clean_secret(self):
        return self.cleaned_data["secret"] or (self.instance.secret if self.instance.pk else "")


@admin.register(BotEndpoint)
class BotEndpointAdmin(TimelineAdminMixin, admin.ModelAdmin):
    form = SecretForm
    list_display = ("name", "kind", "unit", "is_active")
    raw_id_fields = ("unit",)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(TimelineAdminMixin, admin.ModelAdmin):
    form = SecretForm
    list_display = ("name", "url", "is_active")


@admin.register(NotificationRule)
class NotificationRuleAdmin(TimelineAdminMixin, admin.ModelAdmin):
    list_display = ("person", "position", "channel", "wait_minutes")
    raw_id_fields = ("person",)

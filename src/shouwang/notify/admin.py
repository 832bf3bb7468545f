from urllib.parse import parse_qsl, urlsplit, urlunsplit

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shouwang.audit.admin import TimelineAdminMixin
from shouwang.audit.services import event_record

from .models import BotEndpoint, NotificationRule, WebhookEndpoint, WorkApp, WorkIdentity


def masked_url(url: str) -> str:
    """A robot's or webhook's address without its key: WeCom's ?key=…, DingTalk's
    ?access_token=…, Feishu's /hook/<id> are the credential itself."""
    parts = urlsplit(url or "")
    query = "&".join(
        f"{k}={v[:3]}…" if v else k for k, v in parse_qsl(parts.query, keep_blank_values=True)
    )
    segments = parts.path.split("/")
    if segments and len(segments[-1]) >= 16:
        segments[-1] = segments[-1][:3] + "…"
    return urlunsplit((parts.scheme, parts.netloc, "/".join(segments), query, ""))


class SecretForm(forms.ModelForm):
    # The secret and the address (which carries the robot's key) are write-only here: shown
    # empty (the address masked in the help text), kept when left empty.
    secret = forms.CharField(widget=forms.PasswordInput(render_value=False), required=False)
    url = forms.URLField(label=_("address"), required=False, max_length=500, assume_scheme="https")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["url"] = ""
            self.fields["url"].help_text = gettext("Now %(url)s. Leave empty to keep it.") % {
                "url": masked_url(self.instance.url)
            }
        else:
            self.fields["url"].required = True

    def clean_secret(self):
        return self.cleaned_data["secret"] or (self.instance.secret if self.instance.pk else "")

    def clean_url(self):
        return self.cleaned_data["url"] or (self.instance.url if self.instance.pk else "")


@admin.register(BotEndpoint)
class BotEndpointAdmin(TimelineAdminMixin, admin.ModelAdmin):
    form = SecretForm
    list_display = ("name", "kind", "unit", "address", "include_names", "is_active")
    raw_id_fields = ("unit",)

    @admin.display(description=_("address"))
    def address(self, obj):
        return masked_url(obj.url)

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if "include_names" in form.changed_data or (not change and obj.include_names):
                # Said in words on the timeline: from now on the whole group reads names.
                event_record(
                    actor=request.user,
                    subject=obj,
                    verb="bot.names_shown" if obj.include_names else "bot.names_hidden",
                    data={"unit": obj.unit.code, "bot": obj.name},
                )


class WorkAppForm(forms.ModelForm):
    # Write-only like the robots' secrets: an empty box keeps the stored one.
    secret = forms.CharField(
        label=WorkApp._meta.get_field("secret").verbose_name,
        widget=forms.PasswordInput(render_value=False),
        required=False,
    )
    api_base = forms.URLField(
        label=WorkApp._meta.get_field("api_base").verbose_name,
        help_text=WorkApp._meta.get_field("api_base").help_text,
        required=False,
        assume_scheme="https",
    )

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
    list_display = ("name", "address", "is_active")

    @admin.display(description=_("address"))
    def address(self, obj):
        return masked_url(obj.url)


@admin.register(NotificationRule)
class NotificationRuleAdmin(TimelineAdminMixin, admin.ModelAdmin):
    list_display = ("person", "position", "channel", "wait_minutes")
    raw_id_fields = ("person",)

from urllib.parse import parse_qsl, urlsplit, urlunsplit

from django import forms
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shouwang.audit.admin import TimelineAdminMixin

from .models import BotEndpoint, NotificationRule, WebhookEndpoint


def masked_url(url: str) -> str:
    """A robot's or webhook's address without its key: WeCom's ?key=…, DingTalk's
    ?access_token=…, Feishu's /hook/<id> are the credential itself."""
    parts = urlsplit(url or "")
    query = "&".join(f"{k}={v[:3]}…" if v else k for k, v in parse_qsl(parts.query, keep_blank_values=True))
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
                "url": masked_url(self.instance.url)}
        else:
            self.fields["url"].required = True

    def clean_secret(self):
        return self.cleaned_data["secret"] or (self.instance.secret if self.instance.pk else "")

    def clean_url(self):
        return self.cleaned_data["url"] or (self.instance.url if self.instance.pk else "")


@admin.register(BotEndpoint)
class BotEndpointAdmin(TimelineAdminMixin, admin.ModelAdmin):
    form = SecretForm
    list_display = ("name", "kind", "unit", "address", "is_active")
    raw_id_fields = ("unit",)

    @admin.display(description=_("address"))
    def address(self, obj):
        return masked_url(obj.url)


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

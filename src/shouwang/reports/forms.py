import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shouwang import bounds
from shouwang.org import selectors as org

from . import selectors
from .models import ExternalReport, Report, Severity

MAX_UNIT_CHOICES = 400


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


def split_codes(text):
    return [c for c in re.split(r"[\s,，;；、]+", text or "") if c]


class ReportForm(forms.Form):
    """Field checks that need the database (scope, future time …) are the service's; the form
    only parses, so every rule has one home."""

    category = forms.ChoiceField(label=_("category"))
    severity = forms.ChoiceField(label=_("severity"), choices=Severity.choices)
    unit = forms.ChoiceField(label=_("unit"))
    occurred_at = bounds.PlausibleDateTimeField(
        label=_("occurred at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    place = forms.CharField(label=_("place"), max_length=200)
    people_count = forms.IntegerField(
        label=_("number of people"), required=False, min_value=0, max_value=bounds.MAX_COUNT
    )
    students = forms.CharField(
        label=_("students involved"),
        required=False,
        help_text=_("Student numbers, separated by spaces or commas"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    units_involved = forms.CharField(
        label=_("units involved"),
        required=False,
        help_text=_("Unit codes, separated by spaces or commas"),
    )
    cause = forms.CharField(
        label=_("possible cause"),
        required=False,
        max_length=bounds.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    trend = forms.CharField(
        label=_("trend"),
        required=False,
        max_length=bounds.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    description = forms.CharField(
        label=_("description"), max_length=bounds.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4})
    )
    attachments = MultipleFileField(
        label=_("attachments"),
        required=False,
        widget=MultipleFileInput(
            attrs={"accept": "image/*,application/pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx"}
        ),
        help_text=_("Photos, PDF or Office files"),
    )

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(c.code, c.label) for c in selectors.categories_active()]
        units = list(
            org.units_visible(viewer)
            .exclude(kind="office")
            .order_by("path")[: MAX_UNIT_CHOICES + 1]
        )
        if len(units) > MAX_UNIT_CHOICES:
            # School-wide roles see thousands of units: a code is quicker than a huge list.
            self.fields["unit"] = forms.CharField(
                label=_("unit"), help_text=_("Unit code, e.g. a class or room code")
            )
        else:
            self.fields["unit"].choices = [(u.code, f"{'　' * u.depth}{u.label}") for u in units]
            mine = org.my_units(viewer).first()
            if mine and not self.is_bound:
                self.initial["unit"] = mine.unit.code
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().strftime("%Y-%m-%dT%H:%M"))

    def service_kwargs(self):
        """The service's arguments from what parsed (a field that did not parse is left out)."""
        d = self.cleaned_data
        kwargs = {
            name: d[name]
            for name in (
                "category",
                "severity",
                "unit",
                "occurred_at",
                "place",
                "people_count",
                "cause",
                "trend",
                "description",
                "attachments",
            )
            if name in d
        }
        for name in ("students", "units_involved"):
            if name in d:
                kwargs[name] = split_codes(d[name])
        return kwargs


class _OnTheReportPage(forms.Form):
    """The report page holds several of these forms at once: each gets its own id prefix, so no
    two inputs share an id (and each label still points at its own input)."""

    id_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class UpdateForm(_OnTheReportPage):
    id_prefix = "update"
    text = forms.CharField(
        label=_("update"), max_length=bounds.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    people_count = forms.IntegerField(
        label=_("number of people"), required=False, min_value=0, max_value=bounds.MAX_COUNT
    )
    trend = forms.CharField(label=_("trend"), required=False, max_length=bounds.MAX_TEXT)
    occurred_at = bounds.PlausibleDateTimeField(
        label=_("corrected time it happened"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    place = forms.CharField(label=_("corrected place"), required=False, max_length=200)
    attachments = MultipleFileField(label=_("attachments"), required=False)


class AckForm(_OnTheReportPage):
    id_prefix = "ack"
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=500)


class VerifyForm(_OnTheReportPage):
    id_prefix = "verify"
    verdict = forms.ChoiceField(
        label=_("Verification"),
        choices=[
            (Report.Verification.TRUE, Report.Verification.TRUE.label),
            (Report.Verification.FALSE, Report.Verification.FALSE.label),
            (Report.Verification.DUPLICATE, Report.Verification.DUPLICATE.label),
        ],
    )
    duplicate_of = forms.IntegerField(
        label=_("Original report number (for duplicates)"),
        required=False,
        min_value=1,
        max_value=bounds.MAX_ID,
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=bounds.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DecideForm(_OnTheReportPage):
    id_prefix = "decide"
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Report.Decision.LOCAL, Report.Decision.LOCAL.label),
            (Report.Decision.ESCALATE, Report.Decision.ESCALATE.label),
            (Report.Decision.PLAN, Report.Decision.PLAN.label),
        ],
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=bounds.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SeverityForm(_OnTheReportPage):
    id_prefix = "severity"
    severity = forms.ChoiceField(label=_("severity"), choices=Severity.choices)
    reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=bounds.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ExternalForm(_OnTheReportPage):
    id_prefix = "external"
    recipient_kind = forms.ChoiceField(
        label=_("Reported to"), choices=ExternalReport.RecipientKind.choices
    )
    recipient = forms.CharField(label=_("recipient"), max_length=200)
    content = forms.CharField(
        label=_("content"), max_length=bounds.MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    sent_at = bounds.PlausibleDateTimeField(
        label=_("sent at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )

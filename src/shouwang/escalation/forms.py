"""Forms parse what a person typed into values for the services; the rules live in services.py."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from shouwang import bounds
from shouwang.accounts.models import User
from shouwang.org import selectors as org

from . import categories
from .levels import Severity
from .permissions import duty_candidates
from .services import parse_steps

NOT_A_CANDIDATE = _("%(no)s is not a staff member of this unit or a duty officer above it.")


class PolicyForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    is_active = forms.BooleanField(label=_("active"), required=False)
    steps = forms.CharField(
        label=_("steps"),
        strip=False,
        max_length=64 * 1024,
        widget=forms.Textarea(attrs={"rows": 16, "spellcheck": "false"}),
    )
    # People count steps from 1 (the errors say "第2步"); the model stores the index.
    start_step = forms.IntegerField(
        label=_("Skip-level start (step number)"), initial=1, min_value=1, max_value=100
    )

    def clean_steps(self):
        return parse_steps(self.cleaned_data["steps"])

    @property
    def start_index(self):
        return self.cleaned_data["start_step"] - 1


class PolicyCreateForm(PolicyForm):
    category = forms.ModelChoiceField(
        label=_("category"), queryset=None, required=False, empty_label=_("any category")
    )
    severity = forms.ChoiceField(label=_("severity"), required=False)

    field_order = ["name", "category", "severity", "is_active", "steps", "start_step"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories.active()
        self.fields["severity"].choices = [("", _("any severity")), *Severity.choices]


class DutyShiftForm(forms.Form):
    date = bounds.PlausibleDateField(
        label=_("date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    unit = forms.CharField(
        label=_("Unit code"),
        max_length=40,
        widget=forms.TextInput(attrs={"list": "roster-units", "autocomplete": "off"}),
    )
    person = forms.CharField(label=_("Staff number or user name"), max_length=150)
    phone = forms.CharField(label=_("duty phone"), max_length=20, required=False)

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer

    def clean_unit(self):
        code = self.cleaned_data["unit"].strip()
        unit = org.units_visible(self.viewer).filter(code=code).first()
        if unit is None:
            # Out of scope reads as unknown, as everywhere else.
            raise ValidationError(
                _("Unit code %(code)s is unknown or outside your units.") % {"code": code}
            )
        return unit

    def clean_person(self):
        # 工号 first (what rosters use), then the account's user name; looked up only among those
        # who may be on this unit's duty, so the answer never tells whether an account exists.
        key = self.cleaned_data["person"].strip()
        unit = self.cleaned_data.get("unit")
        candidates = duty_candidates(unit) if unit is not None else User.objects.none()
        person = candidates.filter(staff_no=key).first() or candidates.filter(username=key).first()
        if person is None:
            raise ValidationError(NOT_A_CANDIDATE % {"no": key})
        return person


class HolidayForm(forms.Form):
    date = bounds.PlausibleDateField(
        label=_("date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    name = forms.CharField(label=_("name"), max_length=50)


class RosterImportForm(forms.Form):
    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

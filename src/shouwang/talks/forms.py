import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Kind, Mode
from .services import DETAIL_MAX, SUMMARY_MAX


class TalkForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=Kind.choices, initial=Kind.TALK)
    # type=date: a phone offers its own date picker instead of a keyboard.
    held_on = forms.DateField(
        label=_("date"),
        initial=datetime.date.today,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    mode = forms.ChoiceField(label=_("mode"), choices=Mode.choices, initial=Mode.FACE)
    summary = forms.CharField(
        label=_("short summary"), max_length=SUMMARY_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    detail = forms.CharField(
        label=_("care-related detail (encrypted)"),
        max_length=DETAIL_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SemesterForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=60)
    start = forms.DateField(label=_("start"))
    end = forms.DateField(label=_("end"))

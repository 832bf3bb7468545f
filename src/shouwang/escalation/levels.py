"""Severities (一般, 较大, 重大, 特别重大): what escalation policies match on, alongside a category.
The reports app uses them for its reports (reports.models re-exports them)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Severity(models.TextChoices):
    # Ordered from least to most severe; the value order is used for comparisons.
    GENERAL = "general", _("General (一般)")
    LARGER = "larger", _("Larger (较大)")
    MAJOR = "major", _("Major (重大)")
    CRITICAL = "critical", _("Especially major (特别重大)")


SEVERITY_ORDER = [s.value for s in Severity]

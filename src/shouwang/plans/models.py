"""Emergency plans (预案) as data. A Plan is a name an institution uses; its content lives in
immutable PlanVersions (the YAML text and the validated document), so an incident keeps the
version it was activated with while the office goes on editing (R-PLAN-1)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Plan(models.Model):
    code = models.SlugField(_("code"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=200)
    # Built-in plans ship with the product and are refreshed on migrate; an institution clones
    # one to make it its own (editable) plan.
    is_builtin = models.BooleanField(_("built in"), default=False)
    based_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clones",
        verbose_name=_("based on"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["-is_builtin", "code"]

    def __str__(self):
        return self.title

    @property
    def current(self) -> "PlanVersion":
        return self.versions.order_by("-number").first()


class PlanVersion(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    yaml_text = models.TextField(_("YAML"))
    document = models.JSONField()  # the parsed, validated plan
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_version_once")]

    def __str__(self):
        return f"{self.plan} v{self.number}"


class Resource(models.Model):
    """What the institution has registered (R-PLAN-7): materials and equipment by name; people
    are counted from current posts by role, so they are not registered here."""

    class Kind(models.TextChoices):
        MATERIAL = "material", _("material")
        EQUIPMENT = "equipment", _("equipment")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_label = models.CharField(_("unit of measure"), max_length=10, blank=True)
    location = models.CharField(_("kept at"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("registered resource")
        verbose_name_plural = _("registered resources")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="resource_once_per_kind")
        ]

    def __str__(self):
        return f"{self.name} × {self.quantity}"

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class EscalationConfig(AppConfig):
    name = "shouwang.escalation"
    verbose_name = _("Escalation")

    def ready(self):
        # Imported here, not at the top: Django loads models after importing the AppConfig
        # modules, and these modules import models.
        from shouwang.ops.sweeps import register_health_check, register_sweep

        from .auditor import audit_warnings, route_audit
        from .sweep import deadline_sweep

        register_sweep(deadline_sweep)
        register_sweep(route_audit, every_seconds=60)
        register_health_check(audit_warnings)
        post_migrate.connect(_load_policies, sender=self)


def _load_policies(sender, using="default", **kwargs):
    from .policies import load_default_policies

    load_default_policies()

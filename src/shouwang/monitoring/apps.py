from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "shouwang.monitoring"
    verbose_name = _("Daily monitoring")

    def ready(self):
        # Imported here, not at the top: Django loads models after importing the AppConfig
        # modules, and these modules import models.
        from shouwang.api.models import TOKEN_PERMISSIONS
        from shouwang.escalation import kinds
        from shouwang.reports import route

        from . import rules

        # Each rule's next run is a deadline on the one engine (a night's cut-off, an hour).
        kinds.register_kind(rules.RULE_RUN, lock=rules.lock_rule, act=rules.act)
        kinds.register_check(
            "monitoring_rules_without_deadline",
            find=rules.rules_without_deadline,
            repair=rules.rules_repair,
            warning="{n} active monitoring rule(s) have no next run planned "
            "(the worker's auditor plans them on its next tick)",
        )
        # A night scan files many 夜不归宿 at once: each person gets one list per batch.
        route.register_grouped("night_absence")
        # Gate and campus-card systems send traces and check-ins with this permission.
        TOKEN_PERMISSIONS.setdefault("monitoring.write", _("Send traces and check-ins"))
        TOKEN_PERMISSIONS.setdefault("monitoring.read", _("Read tonight's check-ins and rules"))

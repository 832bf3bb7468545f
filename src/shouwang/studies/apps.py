from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudiesConfig(AppConfig):
    name = "shouwang.studies"
    verbose_name = _("Attendance and grades")

    def ready(self):
        # Imported here, not at the top: these modules import models.
        from shouwang.escalation import kinds

        from . import rules

        # The daily truancy scan and the parent contact of a 学业预警 run on the one engine.
        kinds.register_kind(rules.TRUANCY_SCAN, lock=rules.lock_rule, act=rules.scan_act)
        kinds.register_kind(rules.CONTACT_REMIND, lock=rules.lock_warning, act=rules.contact_remind)
        kinds.register_kind(
            rules.CONTACT_OVERDUE, lock=rules.lock_warning, act=rules.contact_overdue
        )
        kinds.register_check(
            "truancy_rules_without_scan",
            find=rules.rules_without_scan,
            repair=rules.rules_repair,
            warning="{n} active truancy rule(s) have no daily scan on the engine "
            "(the worker's auditor restores them on its next tick)",
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudiesConfig(AppConfig):
    name = "shouwang.studies"
    verbose_name = _("Attendance and grades")

    def ready(self):
        # Imported here, not at the top: these modules import models.
        from shouwang.escalation import kinds
        from shouwang.ops.sweeps import register_sweep

        from . import academic, rules, services

        # The daily truancy scan and the parent contact of a 学业预警 run on the one engine.
        kinds.register_kind(rules.TRUANCY_SCAN, lock=rules.lock_rule, act=rules.scan_act)
        kinds.register_kind(
            academic.CONTACT_REMIND, lock=academic.lock_warning, act=academic.contact_remind
        )
        kinds.register_kind(
            academic.CONTACT_OVERDUE, lock=academic.lock_warning, act=academic.contact_overdue
        )
        kinds.register_check(
            "truancy_rules_without_scan",
            find=rules.rules_without_scan,
            repair=rules.rules_repair,
            warning="{n} active truancy rule(s) have no daily scan on the engine "
            "(the worker's auditor restores them on its next tick)",
        )
        # An import whose worker died mid-way is given up on, so that it may be uploaded again.
        register_sweep(services.imports_unstick, every_seconds=60)

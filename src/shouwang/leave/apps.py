from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeaveConfig(AppConfig):
    name = "shouwang.leave"
    verbose_name = _("Leave and off-campus lodging")

    def ready(self):
        from shouwang.escalation import kinds
        from shouwang.monitoring import hooks

        from . import selectors, services
        from .chain import chain

        chain()  # a broken chain.yaml fails at start-up, not on a student's request
        kinds.register_kind(services.STEP_KIND, lock=services.lock_leave, act=services.step_act)
        kinds.register_kind(
            services.OVERDUE_KIND, lock=services.lock_leave, act=services.overdue_act
        )
        kinds.register_check(
            "leaves_without_deadline",
            find=services.leaves_without_deadline,
            repair=services.leaves_repair,
            warning="{n} leave request(s) wait without a deadline "
            "(the worker's auditor restores them on its next tick)",
        )
        # Approved leave and lodging excuse a student from the night scan and 失联; a check-in
        # on campus closes a leave (销假).
        hooks.register_excuse(selectors.excused)
        hooks.register_on_checkin(services.leaves_return_on_checkin)

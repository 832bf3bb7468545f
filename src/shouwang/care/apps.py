from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "shouwang.care"
    verbose_name = _("Care ledger")

    def ready(self):
        from shouwang.escalation import kinds
        from shouwang.handovers import hooks as handovers_hooks
        from shouwang.talks import hooks as talks_hooks

        from . import hooks, selectors, services

        kinds.register_kind(
            services.TASK_REMIND, lock=services.lock_task, act=services.act_task_remind
        )
        kinds.register_kind(
            services.TASK_OVERDUE, lock=services.lock_task, act=services.act_task_overdue
        )
        kinds.register_kind(
            services.KEY_LIST_ACK, lock=services.lock_key_list, act=services.act_key_list_overdue
        )
        kinds.register_check(
            "care_tasks_without_deadline",
            find=services.tasks_without_deadline,
            repair=services.tasks_repair,
            warning="{n} care task(s) have no overdue deadline "
            "(the worker's auditor restores them on its next tick)",
        )
        hooks.connect()
        handovers_hooks.register_on_handover(
            services.care_files_follow_handover, labels=services.HANDOVER_LABELS
        )
        # Key students (tier ≥ severe, or flagged) get a home visit every semester.
        talks_hooks.register_key_students(selectors.key_student_ids)

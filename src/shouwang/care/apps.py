from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "shouwang.care"
    verbose_name = _("Care ledger")

    def ready(self):
        from shouwang.escalation import kinds

        from . import hooks, services

        kinds.register_kind(
            services.TASK_REMIND, lock=services.lock_task, act=services.act_task_remind
        )
        kinds.register_kind(
            services.TASK_OVERDUE, lock=services.lock_task, act=services.act_task_overdue
        )
        kinds.register_kind(
            services.KEY_LIST_ACK, lock=services.lock_key_list, act=services.act_key_list_overdue
        )
        hooks.connect()

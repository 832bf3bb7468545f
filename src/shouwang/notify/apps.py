from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "shouwang.notify"
    verbose_name = _("Notifications")

    def ready(self):
        from shouwang.ops.sweeps import register_health_check, register_sweep

        from .providers.dingtalk_app import results_poll
        from .selectors import work_app_warnings
        from .sweep import RECLAIM_SECONDS, delivery_reclaim, delivery_sweep

        register_health_check(work_app_warnings)
        register_sweep(delivery_sweep)
        register_sweep(delivery_reclaim, every_seconds=RECLAIM_SECONDS)
        # DingTalk answers its work notifications later: ask what became of them.
        register_sweep(results_poll, every_seconds=RECLAIM_SECONDS)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "shouwang.api"
    verbose_name = _("API")

    def ready(self):
        from shouwang.ops.sweeps import register_sweep

        from .idempotency import keys_prune

        register_sweep(keys_prune, every_seconds=600)

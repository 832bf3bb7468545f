from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountabilityConfig(AppConfig):
    name = "shouwang.accountability"
    verbose_name = _("Accountability")

    def ready(self):
        # Imported here, not at the top: Django loads models after importing the AppConfig
        # modules, and these modules import models.
        from shouwang.ops.sweeps import register_sweep

        from .defaults import sync_defaults
        from .detector import detector_sweep

        # The worker runs the detector every five minutes; each run is idempotent (one finding
        # per kind, subject and person), so a second worker or a rerun adds nothing.
        register_sweep(detector_sweep, every_seconds=300)
        post_migrate.connect(sync_defaults, sender=self)

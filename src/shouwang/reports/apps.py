from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "shouwang.reports"
    verbose_name = _("Early-warning reports")

    def ready(self):
        from .categories import sync_default_categories

        post_migrate.connect(sync_default_categories, sender=self)

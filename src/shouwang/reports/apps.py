from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "shouwang.reports"
    verbose_name = _("Early-warning reports")

    def ready(self):
        from shouwang.notify.summaries import register_group_summary

        from .categories import sync_default_categories
        from .group_summary import report_group_summary

        post_migrate.connect(sync_default_categories, sender=self)
        # What a group robot may say about a report (no student's name, number or phone).
        register_group_summary("reports.report", report_group_summary)

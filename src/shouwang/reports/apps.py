from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "shouwang.reports"
    verbose_name = _("Early-warning reports")

    def ready(self):
        # Imported here, not at the top: Django loads models after importing the AppConfig
        # modules, and these modules import models.
        from shouwang.escalation import categories, kinds
        from shouwang.notify import hooks

        from . import acklinks, route, route_sweep, views_ack
        from .categories import sync_default_categories
        from .group_summary import report_group_summary
        from .models import Category

        # Escalation policies match on report categories.
        categories.register(
            active=lambda: Category.objects.filter(is_active=True),
            get=lambda code: Category.objects.filter(code=code).first(),
        )
        # A report's route on the one deadline engine (ARCHITECTURE.md: the worked example).
        # Routes first: a report accepted from an integration is routed before anything escalates.
        kinds.register_batch(route.REPORT_ROUTE, route_sweep.sweep_routes)
        kinds.register_batch(route.REPORT_ACK, route_sweep.sweep_acks)
        kinds.register_check(
            "reports_without_deadline",
            find=route_sweep.reports_without_deadline,
            repair=route_sweep.reports_repair,
            warning="{n} report(s) wait for acknowledgement without a deadline "
            "(the worker's auditor restores them on its next tick)",
        )
        # A request to acknowledge carries a one-tap link on every channel.
        hooks.register_action_links("report.ack_request", acklinks.ack_links_for)
        hooks.register_inbox_section(views_ack.inbox_pending_section)
        post_migrate.connect(sync_default_categories, sender=self)
        # What a group robot may say about a report (no student's name, number or phone).
        hooks.register_group_summary("reports.report", report_group_summary)

from django.apps import AppConfig
from django.apps import apps as django_apps
from django.utils.translation import gettext_lazy as _


class AftermathConfig(AppConfig):
    name = "shouwang.aftermath"
    verbose_name = _("Aftermath and review")

    def ready(self):
        # Imported here, not at the top: Django loads models after importing the AppConfig
        # modules, and these modules import models.
        from shouwang.escalation import kinds
        from shouwang.incidents import hooks as incident_hooks
        from shouwang.reports import hooks as report_hooks

        from . import auditor, hooks, selectors, services, sources
        from . import deadlines as d

        # Items, reviews and the three colours of corrective actions run on the one engine.
        kinds.register_kind(d.ITEM_REMIND, lock=d.lock_item, act=d.item_remind)
        kinds.register_kind(d.ITEM_OVERDUE, lock=d.lock_item, act=d.item_overdue)
        kinds.register_kind(d.REVIEW_OVERDUE, lock=d.lock_review, act=d.review_overdue)
        kinds.register_kind(d.ACTION_YELLOW, lock=d.lock_action, act=d.action_yellow)
        kinds.register_kind(d.ACTION_ORANGE, lock=d.lock_action, act=d.action_orange)
        kinds.register_kind(d.ACTION_RED, lock=d.lock_action, act=d.action_red)
        kinds.register_check(
            "aftermath_without_deadline",
            find=auditor.obligations_without_deadline,
            repair=auditor.obligations_repair,
            warning="{n} aftermath item(s), review(s) or corrective action(s) have lost "
            "their deadline (the worker's auditor restores them on its next tick)",
        )
        # Closing an incident opens its aftermath and review; a major report handled locally
        # opens its aftermath.
        incident_hooks.register_on_close(services.on_incident_closed)
        report_hooks.register_on_decide(services.on_report_decided)
        # The incident's page leads on to its aftermath and review.
        incident_hooks.register_page_links(selectors.incident_page_links)
        # The review's 责任界定 opens with the findings the accountability app read from the record.
        if django_apps.is_installed("shouwang.accountability"):
            from shouwang.accountability.selectors import review_facts

            hooks.register_review_facts(review_facts)
        # A review issues corrective actions (drills, campaigns, directives will register theirs).
        hooks.register_action_source(
            services.REVIEW_SOURCE,
            may_issue=sources.review_may_issue,
            label=sources.review_label,
            url=sources.review_url,
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "shouwang.campaigns"
    verbose_name = _("Hazard campaigns")

    def ready(self):
        # Imported here, not at the top: Django loads models after importing the AppConfig
        # modules, and these modules import models.
        from shouwang.aftermath import hooks as aftermath_hooks
        from shouwang.escalation import kinds
        from shouwang.notify import hooks as notify_hooks

        from . import auditor, services, sources, views
        from . import deadlines as d

        # Units asked are reminded before the due date and escalated at it, on the one engine.
        kinds.register_kind(d.REMIND, lock=d.lock_unit, act=d.unit_remind)
        kinds.register_kind(d.OVERDUE, lock=d.lock_unit, act=d.unit_overdue)
        kinds.register_check(
            "campaign_units_without_deadline",
            find=auditor.units_without_deadline,
            repair=auditor.units_repair,
            warning="{n} unit(s) of open hazard campaigns have lost their overdue deadline "
            "(the worker's auditor restores them on its next tick)",
        )
        # The inbox opens with the checklists the person must still answer.
        notify_hooks.register_inbox_section(views.inbox_section)
        # A group robot says which campaign and unit, never what was found.
        notify_hooks.register_group_summary(d.SUBJECT, sources.unit_group_summary)
        # A problem a unit finds becomes a corrective action (三色督办) issued from its answer.
        aftermath_hooks.register_action_source(
            services.ACTION_SOURCE,
            may_issue=sources.unit_may_issue,
            label=sources.unit_label,
            url=sources.unit_url,
        )

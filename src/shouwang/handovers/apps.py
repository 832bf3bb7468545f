from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HandoversConfig(AppConfig):
    name = "shouwang.handovers"
    verbose_name = _("Handovers")

    def ready(self):
        # Imported here, not at the top: Django loads models after importing the AppConfig
        # modules, and these modules import models.
        from shouwang.escalation import kinds
        from shouwang.notify.hooks import register_inbox_section
        from shouwang.org import hooks

        from . import services, views

        hooks.register_on_post_change(services.on_post_change)
        kinds.register_kind(services.ACK_KIND, lock=services.lock_pending, act=services.escalate)
        register_inbox_section(views.inbox_pending_section)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "shouwang.incidents"
    verbose_name = _("Incidents")

    def ready(self):
        # Imported here, not at the top: Django loads models after importing the AppConfig
        # modules, and these modules import models.
        from shouwang.escalation import kinds
        from shouwang.reports import hooks as report_hooks

        from .selectors import report_page_context
        from .tasks import TASK_OVERDUE, TASK_REMIND, lock_task, task_overdue, task_remind

        # Task deadlines run on the one deadline engine (DESIGN: "the one idea"), not a second one.
        kinds.register_kind(TASK_REMIND, lock=lock_task, act=task_remind)
        kinds.register_kind(TASK_OVERDUE, lock=lock_task, act=task_overdue)
        # A verified report's page offers activation and lists the incidents opened from it.
        report_hooks.register_page_context(report_page_context)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncidentsConfig(AppConfig):
    name = "shouwang.incidents"
    verbose_name = _("Incidents")

    def ready(self):
        # Task deadlines run on the one deadline engine (DESIGN: "the one idea"), not a second one.
        from shouwang.escalation import sweep

        from .tasks import TASK_OVERDUE, TASK_REMIND, lock_task, task_overdue, task_remind

        sweep.HANDLERS[TASK_REMIND] = (lock_task, task_remind)
        sweep.HANDLERS[TASK_OVERDUE] = (lock_task, task_overdue)

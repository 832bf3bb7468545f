from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "shouwang.screening"
    verbose_name = _("Screening")

    def ready(self):
        # Imported here, not at the top: Django loads models after importing the AppConfig
        # modules, and these modules import models.
        from shouwang.escalation import kinds
        from shouwang.ops.sweeps import register_sweep

        from .deadlines import sweep_overdue, sweep_reminders
        from .services import INTERVIEW_OVERDUE, INTERVIEW_REMIND, rounds_unstick

        # Interviews run on the one deadline engine: a reminder, then overdue → the head; in
        # batches, since a round's interviews all fall due together.
        kinds.register_batch(INTERVIEW_REMIND, sweep_reminders)
        kinds.register_batch(INTERVIEW_OVERDUE, sweep_overdue)
        # An import whose worker died mid-way is given up on, so the file may be uploaded again.
        register_sweep(rounds_unstick, every_seconds=60)

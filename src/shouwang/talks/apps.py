from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalksConfig(AppConfig):
    name = "shouwang.talks"
    verbose_name = _("Talks and parent contacts")

    def ready(self):
        # Imported here, not at the top: Django loads models after importing the AppConfig
        # modules, and these modules import models.
        from shouwang.escalation import kinds
        from shouwang.ops.sweeps import register_sweep

        from . import obligations, services

        # Overdue obligations are swept by whole holders (one message each); their escalation
        # is one deadline per college, kind and period (one message per deputy secretary).
        kinds.register_batch(obligations.OVERDUE, obligations.sweep_overdue)
        kinds.register_kind(
            obligations.ESCALATE, lock=obligations.lock_escalation, act=obligations.escalate
        )
        kinds.register_kind(
            services.GUARDIAN_SMS, lock=services.guardian_link_lock, act=services.guardian_link_send
        )
        # The auditor: a student without this month's talk, or an open obligation without its
        # deadline, would be silent; the worker's auditor puts them back.
        kinds.register_check(
            "talks_obligations_missing",
            find=obligations.obligations_missing,
            repair=obligations.obligations_repair,
            warning="{n} student(s) or talk obligation(s) without this month's obligation or "
            "its deadline (the worker's auditor restores them on its next tick)",
        )
        # Opening a month's (a semester's) obligations for every enrolled student: idempotent
        # (one per student, kind and period), so any worker may run it.
        register_sweep(obligations.obligations_open, every_seconds=600)

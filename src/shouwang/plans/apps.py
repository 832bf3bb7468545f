from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "shouwang.plans"
    verbose_name = _("Emergency plans")

    def ready(self):
        post_migrate.connect(_load_builtin_plans, sender=self)


def _load_builtin_plans(sender, using="default", **kwargs):
    from .services import builtin_plans_sync

    builtin_plans_sync()

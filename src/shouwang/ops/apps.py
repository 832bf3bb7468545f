from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "shouwang.ops"
    verbose_name = _("Operations")

    def ready(self):
        from . import lookups  # noqa: F401  (registers field__any_of)

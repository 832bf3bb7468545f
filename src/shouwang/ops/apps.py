from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    name = "shouwang.ops"
    verbose_name = _("Operations")

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import lookups  # noqa: F401  (registers field__any_of)
        from .intbounds import on_connection_created

        connection_created.connect(on_connection_created, dispatch_uid="shouwang-int-bounds")

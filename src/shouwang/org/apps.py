from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "shouwang.org"
    verbose_name = _("Organisation")

    def ready(self):
        from .roles import sync_default_roles

        post_migrate.connect(sync_default_roles, sender=self)

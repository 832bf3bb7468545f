from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TalksConfig(AppConfig):
    name = "shouwang.talks"
    verbose_name = _("Talks and parent contacts")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo school and the first start (`shouwang init`, `shouwang demo`): it fills every
    module with realistic data, so it sits above them all."""

    name = "shouwang.demo"
    verbose_name = _("Demo school")

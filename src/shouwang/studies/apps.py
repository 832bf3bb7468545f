from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudiesConfig(AppConfig):
    name = "shouwang.studies"
    verbose_name = _("Attendance and grades")

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """Each worker's last sign of life: the auditor and check-deploy warn when none is fresh."""

    worker_id = models.CharField(max_length=100, unique=True)
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField()

    class Meta:
        verbose_name = _("worker heartbeat")

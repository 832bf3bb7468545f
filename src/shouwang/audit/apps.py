from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def ensure_chain_head(sender=None, using="default", **kwargs):
    # Also after a flush (tests, `shouwang flush`), which empties the table but emits post_migrate.
    from .models import ChainHead

    ChainHead.objects.using(using).get_or_create(pk=1)


class AuditConfig(AppConfig):
    name = "shouwang.audit"
    verbose_name = _("Timeline")

    def ready(self):
        from django.conf import settings

        from shouwang.ops.sweeps import register_sweep

        from .checkpoints import checkpoint_write

        post_migrate.connect(ensure_chain_head, sender=self)
        register_sweep(checkpoint_write, every_seconds=settings.AUDIT_CHECKPOINT_MINUTES * 60)

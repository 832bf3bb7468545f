"""The one history of everything: an append-only, hash-chained event table (R-REP-7).

Each event's hash is SHA-256 over the previous event's hash and the canonical JSON of its
own content, so changing, inserting or removing any row breaks the chain from there on.
`ChainHead` holds the sequence number and hash of the last event: appending locks it, which
both serialises appends and lets verification notice a removed tail.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a timeline event."""


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("timeline events are never updated")

    def delete(self):
        raise AppendOnlyError("timeline events are never deleted")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("timeline events are never updated")


class Event(models.Model):
    seq = models.BigIntegerField(_("sequence"), unique=True)
    subject_type = models.CharField(_("subject type"), max_length=50)
    subject_id = models.CharField(_("subject id"), max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Kept beside the FK so the record reads the same even if the account is renamed.
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    verb = models.CharField(_("verb"), max_length=60)
    data = models.JSONField(_("data"), default=dict, blank=True)
    at = models.DateTimeField(_("time"))
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["seq"]
        indexes = [models.Index(fields=["subject_type", "subject_id", "seq"])]

    def __str__(self):
        return f"#{self.seq} {self.verb} {self.subject_type}:{self.subject_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("timeline events are never updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("timeline events are never deleted")


class ChainHead(models.Model):
    """Single row (id=1): the last appended event's sequence number and hash."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("timeline chain head")

"""A generated document of an incident (R-AFTER-1): the 综合报告 or the 复盘报告 as Word or PDF,
made by a background job. The row is the job's visible state (queued → running → done or
failed, with progress) and, when done, the file with its SHA-256 (also on the timeline)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Document(models.Model):
    class Kind(models.TextChoices):
        COMPREHENSIVE = "comprehensive", _("Comprehensive report")
        REVIEW = "review", _("Review report")

    class Format(models.TextChoices):
        DOCX = "docx", _("Word (.docx)")
        PDF = "pdf", _("PDF")

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("generating")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("incident"),
    )
    kind = models.CharField(_("document"), max_length=20, choices=Kind.choices)
    format = models.CharField(_("format"), max_length=5, choices=Format.choices)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)  # percent
    file = models.FileField(upload_to="documents/%Y/%m/", blank=True)
    filename = models.CharField(max_length=200, blank=True)  # the name the download is saved as
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)  # the queued job (django-tasks result id)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the running job last moved on (claimed, or its progress rose): a job that has not
    # moved for `sweeps.STUCK_MINUTES` is marked failed, so that it may be asked for again.
    progressed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["incident", "-requested_at"], name="document_by_incident")]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.incident_id} ({self.format})"

    @property
    def is_pending(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]


CONTENT_TYPES = {
    Document.Format.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    Document.Format.PDF: "application/pdf",
}

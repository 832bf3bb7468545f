"""A semester's 普测 (psychological screening): the round as imported, one result per student,
and the interview the psych centre owes each flagged student.

Scores and the instrument's flag are care data (R-CARE-4): they live in encrypted columns
(vault) and never in a timeline event. What stays in the clear is what the pages must count
and sort on without decrypting 50,000 rows: the round's totals by flag (aggregates, no student
named) and, for each interview, its state and due date.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.org.models import Student
from shouwang.vault.fields import EncryptedJSONField, EncryptedTextField


class Instrument(models.TextChoices):
    UPI = "upi", _("UPI (University Personality Inventory)")
    SCL90 = "scl90", _("SCL-90 (Symptom Checklist 90)")


class Round(models.Model):
    """One import of one instrument's results for a term. The file waits here, encrypted,
    until the worker's job has read it; then it is dropped."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        IMPORTED = "imported", _("Imported")
        REJECTED = "rejected", _("Rejected (errors in the file)")
        FAILED = "failed", _("Failed")

    term = models.CharField(_("term"), max_length=40)
    instrument = models.CharField(_("instrument"), max_length=10, choices=Instrument.choices)
    held_on = models.DateField(_("screening date"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    filename = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    # base64 of the uploaded file (it holds every score), encrypted; None once read.
    upload = EncryptedTextField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    progressed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # [[row, column, message], …] — messages quote cell values (scores): encrypted too.
    errors = EncryptedJSONField(null=True, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    failure = models.CharField(max_length=500, blank=True)
    rows = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    # {flag: number of students}: the round's totals, no student named.
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("screening round")

    def __str__(self):
        return f"{self.term} · {self.get_instrument_display()}"

    @property
    def is_pending(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)


class Result(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="results")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    # {"scores": {scale: value}, "flag": "一类" | …, "flagged": bool, "risk_factors": […]}
    details = EncryptedJSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "student"], name="screening_result_once")
        ]


class Interview(models.Model):
    """The psych centre's 约谈 of a flagged student, on the deadline engine until recorded."""

    class State(models.TextChoices):
        OPEN = "open", _("Not yet seen")
        DONE = "done", _("Seen")

    class Outcome(models.TextChoices):
        NO_CONCERN = "no_concern", _("No further concern")
        FOLLOW_UP = "follow_up", _("Regular follow-up")
        COUNSELLING = "counselling", _("Counselling arranged")
        REFERRAL = "referral", _("Referred for diagnosis")
        NOT_REACHED = "not_reached", _("Student not reached")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="interviews")
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="+")
    care_file_id = models.PositiveBigIntegerField(null=True, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField()
    due_at = models.DateTimeField()
    overdue_at = models.DateTimeField(null=True, blank=True)
    held_on = models.DateField(null=True, blank=True)
    # The outcome and the note say how the student is: encrypted.
    outcome = EncryptedTextField(null=True, blank=True)
    note = EncryptedTextField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    # Set by the selectors for the pages: still open and past its due time.
    is_overdue: bool = False

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "student"], name="screening_interview_once")
        ]
        indexes = [models.Index(fields=["state", "due_at"], name="screening_iv_open")]

    @property
    def outcome_label(self) -> str:
        return str(dict(self.Outcome.choices).get(self.outcome or "", "")) if self.outcome else ""

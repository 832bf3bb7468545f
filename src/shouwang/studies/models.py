"""学业: class attendance and grades as imported from the academic office's files, the rules read
from them (truancy streaks, 学业预警 by failed credits) and what they produced (truancy cases
filed as reports, academic warnings with the parent contact each one asks for)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from shouwang.org.models import Student


class ImportJob(models.Model):
    """One uploaded file, checked and written by the worker (django-tasks), all or nothing."""

    class Kind(models.TextChoices):
        ATTENDANCE = "attendance", _("Class attendance")
        GRADES = "grades", _("Grades")

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Nothing imported")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    filename = models.CharField(_("file name"), max_length=200)
    content = models.BinaryField()  # the upload, kept until the job has read it
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [[row, column, message], …]
    error_count = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    # When the running job last moved on: a job silent for STUCK_MINUTES lost its worker.
    progressed_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]


class Attendance(models.Model):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        LEAVE = "leave", _("On leave")
        LATE = "late", _("Late")

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    course = models.CharField(_("course or period"), max_length=100)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "date", "course"], name="studies_attendance_unique"
            )
        ]
        indexes = [models.Index(fields=["status", "date"], name="studies_absences")]


class TruancyRule(models.Model):
    """N unexcused absences within M days → one 经常无故旷课 report per student per M days."""

    name = models.CharField(_("name"), max_length=60)
    absences = models.PositiveSmallIntegerField(
        _("unexcused absences"), validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    days = models.PositiveSmallIntegerField(
        _("within days"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    severity = models.CharField(_("severity"), max_length=10, default="general")
    is_active = models.BooleanField(_("active"), default=True)
    scan_step = models.PositiveIntegerField(default=0, editable=False)  # its scan's fence

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.name


class TruancyCase(models.Model):
    """A streak found by a rule: the dedup record (one per student, rule and period) and the key
    of the automatic report it was filed as."""

    rule = models.ForeignKey(TruancyRule, on_delete=models.PROTECT, related_name="cases")
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    window_start = models.DateField()
    window_end = models.DateField()
    absences = models.PositiveSmallIntegerField()
    report_key = models.CharField(max_length=100, unique=True)
    found_at = models.DateTimeField()

    class Meta:
        ordering = ["-found_at", "-pk"]


class Grade(models.Model):
    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(_("term"), max_length=20)  # 2025-2026-1: sorts as it reads
    course = models.CharField(_("course"), max_length=100)
    credits = models.DecimalField(_("credits"), max_digits=4, decimal_places=1)
    passed = models.BooleanField(_("passed"))
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["student", "term", "course"], name="studies_grade_unique"
            )
        ]


class WarningRule(models.Model):
    """The 学业预警 thresholds (one row): failed credits > yellow_over is yellow, ≥ orange_from
    orange, > red_over red (the published example: 10, 12, 20)."""

    yellow_over = models.DecimalField(_("yellow above"), max_digits=4, decimal_places=1)
    orange_from = models.DecimalField(_("orange from"), max_digits=4, decimal_places=1)
    red_over = models.DecimalField(_("red above"), max_digits=4, decimal_places=1)
    contact_days = models.PositiveSmallIntegerField(
        _("days to contact the parents"), default=7, validators=[MinValueValidator(1)]
    )
    remind_days = models.PositiveSmallIntegerField(
        _("reminder days before"), default=2, validators=[MinValueValidator(0)]
    )

    DEFAULTS = {
        "yellow_over": Decimal("10"),
        "orange_from": Decimal("12"),
        "red_over": Decimal("20"),
        "contact_days": 7,
        "remind_days": 2,
    }


class AcademicWarning(models.Model):
    class Level(models.TextChoices):
        YELLOW = "yellow", _("Yellow")
        ORANGE = "orange", _("Orange")
        RED = "red", _("Red")

    class Contact(models.TextChoices):
        WAITING = "waiting", _("Parents to be contacted")
        OVERDUE = "overdue", _("Parent contact overdue")
        DONE = "done", _("Parents contacted")

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="+")
    term = models.CharField(_("term"), max_length=20)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    failed_credits = models.DecimalField(max_digits=5, decimal_places=1)
    raised_at = models.DateTimeField()
    contact = models.CharField(max_length=10, choices=Contact.choices, default=Contact.WAITING)
    contact_due_at = models.DateTimeField()
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["student", "term"], name="studies_warning_unique")
        ]


class ParentContact(models.Model):
    class Mode(models.TextChoices):
        PHONE = "phone", _("Phone call")
        VISIT = "visit", _("Meeting in person")
        MESSAGE = "message", _("Message (WeChat/SMS)")
        LETTER = "letter", _("Letter")

    warning = models.ForeignKey(AcademicWarning, on_delete=models.CASCADE, related_name="contacts")
    date = models.DateField(_("date"))
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices)
    summary = models.TextField(_("summary"), max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

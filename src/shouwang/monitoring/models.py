"""Daily monitoring (R-STU-1/2): where each student was each night, the traces that say so, the
rules that file reports when nobody knows, and the vendors' export formats."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CardNumber(models.Model):
    """A campus card number → its student (org.Student has no card field: access control and
    the campus card know students by card, the register by 学号)."""

    card_no = models.CharField(_("card number"), max_length=40, unique=True)
    student = models.ForeignKey(
        "org.Student", on_delete=models.CASCADE, related_name="+", verbose_name=_("student")
    )

    class Meta:
        verbose_name = _("card number")
        verbose_name_plural = _("card numbers")


class TraceBatch(models.Model):
    """One delivery of traces (an API batch, an imported export, a dorm round): the timeline
    records ONE event about the batch, never one per trace."""

    source_type = models.CharField(max_length=20)
    source = models.CharField(max_length=100)  # the token's name, the file's name, the round
    count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )


class Trace(models.Model):
    """A sign of a student at a time and place: a gate passage, a card spend, a library gate, a
    network log-in, a dorm round's mark. 失联 = no trace of any source for X hours."""

    class Source(models.TextChoices):
        GATE = "gate", _("Access control")
        CARD = "card", _("Campus card")
        LIBRARY = "library", _("Library gate")
        NETWORK = "network", _("Network log-in")
        ROUND = "round", _("Dorm round")
        OTHER = "other", _("Other")

    class Direction(models.TextChoices):
        IN = "in", _("In")
        OUT = "out", _("Out")
        NONE = "", _("None")

    # No foreign-key index of its own: (student, at) below serves every lookup by student.
    student = models.ForeignKey(
        "org.Student", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    at = models.DateTimeField()
    source_type = models.CharField(max_length=20, choices=Source.choices)
    place = models.CharField(max_length=100, blank=True)
    direction = models.CharField(max_length=3, choices=Direction.choices, blank=True, default="")
    batch = models.ForeignKey(
        TraceBatch, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        indexes = [models.Index(fields=["student", "at"])]


class CheckIn(models.Model):
    """Where a student was on one night (the date the evening belongs to), and who said so. One
    row per student and night; a later mark replaces the earlier one (both are on the timeline
    as traces or events)."""

    class Status(models.TextChoices):
        PRESENT = "present", _("In the dorm")
        ABSENT = "absent", _("Not back")
        ON_LEAVE = "on_leave", _("On leave")
        OFF_CAMPUS = "off_campus", _("Approved off-campus lodging")
        UNKNOWN = "unknown", _("Unknown")

    class Source(models.TextChoices):
        ROUND = "round", _("Dorm round")
        GATE = "gate", _("Access control")
        API = "api", _("Integration")

    student = models.ForeignKey("org.Student", on_delete=models.CASCADE, related_name="+")
    night = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices)
    source = models.CharField(max_length=10, choices=Source.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["night", "student"], name="checkin_once_per_night")
        ]


class VendorFormat(models.Model):
    """How one access-control vendor's export names its columns: data, mapped once."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    # field → the vendor's header: student_no or card_no, time, gate, direction.
    columns = models.JSONField(_("columns"), default=dict)
    # The vendor's words for "in" and "out" (进/出, 1/0, IN/OUT).
    in_words = models.JSONField(default=list)
    out_words = models.JSONField(default=list)

    class Meta:
        verbose_name = _("access-control export format")
        ordering = ["name"]

    def __str__(self):
        return self.name


class GateImport(models.Model):
    """An uploaded export, imported by the worker (django-tasks) with a progress bar: all rows
    or none."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Refused: nothing imported")

    vendor = models.ForeignKey(VendorFormat, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to="gate_imports/%Y/%m/")
    filename = models.CharField(max_length=200)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)  # [[row, column, message]] (the first 200)
    error_count = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    @property
    def percent(self) -> int:
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0


class Rule(models.Model):
    """A rule that files reports (data, edited by 学生处): night absence at a cut-off, 失联 after
    hours without a trace. A rule with a building applies there; the school-wide rule of the same
    kind covers the buildings without one of their own."""

    class Kind(models.TextChoices):
        NIGHT_ABSENCE = "night_absence", _("Night absence (no check-in by the cut-off)")
        MISSING = "missing", _("Missing (no trace for some hours)")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=60)
    category = models.CharField(_("report category"), max_length=40)
    severity = models.CharField(_("severity"), max_length=10)
    cutoff = models.TimeField(_("cut-off time"), null=True, blank=True)
    hours = models.PositiveSmallIntegerField(_("hours without a trace"), null=True, blank=True)
    building = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("dormitory building"),
    )
    # Night absence: a building with more than this share (%) of its residents unchecked at the
    # cut-off is held — one report on the building, a rescan an hour later (rules.py); 0: never.
    hold_share = models.PositiveSmallIntegerField(
        _("hold a building above this share unchecked (%)"), default=50
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Bumped on every edit: the rule's deadline carries it as its fence, so a deadline planned
    # before an edit does nothing (and says so).
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["kind", "building__code", "pk"]

    def __str__(self):
        return self.name


class AutoReport(models.Model):
    """The one report a rule filed about a student for a period (a night; for 失联 the day the
    last trace was seen): the dedup key, and where a later check-in finds what to resolve."""

    rule = models.ForeignKey(Rule, on_delete=models.PROTECT, related_name="+")
    student = models.ForeignKey("org.Student", on_delete=models.CASCADE, related_name="+")
    period = models.DateField()
    report_id = models.IntegerField()
    filed_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "student", "period"], name="autoreport_once_per_period"
            )
        ]
        indexes = [models.Index(fields=["student", "resolved_at"])]

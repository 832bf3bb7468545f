"""The four-level network (R-ORG): units, who holds which post where, and the student register."""

import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from shouwang.sheets.cells import PHONE_RE  # one rule for a phone number, typed or imported

phone_validator = RegexValidator(
    PHONE_RE, _("Enter a valid mobile (11 digits) or landline number.")
)
code_validator = RegexValidator(
    r"^[A-Za-z0-9_.\-]+$", _("Codes may use letters, digits, '-', '_' and '.' only.")
)


class LocalizedNameMixin:
    @property
    def label(self):
        if translation.get_language() == "en" and getattr(self, "name_en", ""):
            return self.name_en
        return self.name


class Unit(LocalizedNameMixin, models.Model):
    class Kind(models.TextChoices):
        SCHOOL = "school", _("School")
        COLLEGE = "college", _("College")
        GRADE = "grade", _("Grade")
        CLASS = "class", _("Class")
        DORM_BUILDING = "dorm_building", _("Dormitory building")
        DORM_ROOM = "dorm_room", _("Dormitory room")
        OFFICE = "office", _("Office")

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    # Materialised path of codes, "/SCH/C01/C01-2024/": subtree = path prefix, on any database.
    path = models.CharField(max_length=500, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    # What an office does (student_affairs, security, psych, publicity, …): routing finds offices by
    # it.
    function = models.CharField(_("function"), max_length=40, blank=True)
    sort_order = models.IntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["path"]

    def __str__(self):
        return self.name

    @property
    def label(self):
        """The unit's name; a dorm room is always named with its building (男生1号楼202室): "202室"
        alone is in every building. Select the parent with the room to save a query."""
        own = LocalizedNameMixin.label.fget(self)  # type: ignore[attr-defined]
        if self.kind != self.Kind.DORM_ROOM or not self.parent_id:
            return own
        building = self.parent.label
        if own.startswith(building):
            return own
        return f"{building} {own}" if translation.get_language() == "en" else f"{building}{own}"

    def compute_path(self):
        prefix = self.parent.path if self.parent_id else "/"
        return f"{prefix}{self.code}/"

    def save(self, *args, **kwargs):
        self.path = self.compute_path()
        self.depth = self.path.count("/") - 2
        super().save(*args, **kwargs)

    def ancestor_codes(self):
        return [c for c in self.path.split("/") if c]


class Role(LocalizedNameMixin, models.Model):
    """A post type. The list is data (roles.yaml ships the defaults; admins may add more)."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=60)
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    # Office roles (学生处, 保卫处, 心理中心, school leaders) see the whole school for their
    # function.
    school_wide = models.BooleanField(_("sees the whole school"), default=False)
    # Higher rank = higher in the chain; "counsellor and above" is rank >= counsellor's (R-ORG-6).
    rank = models.PositiveSmallIntegerField(_("rank"), default=10)
    # Unit kinds that must have someone in this role ("层层有责任，事事有人抓").
    required_for = models.JSONField(_("required for unit kinds"), default=list, blank=True)
    sort_order = models.IntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class PostQuerySet(models.QuerySet):
    def current(self, on: datetime.date | None = None):
        on = on or timezone.localdate()
        return self.filter(Q(since__lte=on) & (Q(until__isnull=True) | Q(until__gte=on)))


class Post(models.Model):
    """A person holds a role at a unit for a period (责任人)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="posts",
        verbose_name=_("person"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="posts", verbose_name=_("unit")
    )
    role = models.ForeignKey(
        Role, on_delete=models.PROTECT, related_name="posts", verbose_name=_("role")
    )
    since = models.DateField(_("since"), default=datetime.date.today)
    until = models.DateField(_("until"), null=True, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "unit", "role", "since"], name="post_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=models.F("since")),
                name="post_until_after_since",
            ),
        ]
        indexes = [models.Index(fields=["unit", "role"])]

    def __str__(self):
        return f"{self.person} · {self.role} · {self.unit}"


class Student(models.Model):
    class Gender(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        SUSPENDED = "suspended", _("Suspended (休学)")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        GRADUATED = "graduated", _("Graduated")

    student_no = models.CharField(_("student number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50, db_index=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    klass = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="students",
        verbose_name=_("class"),
        limit_choices_to={"kind": Unit.Kind.CLASS},
    )
    dorm_room = models.ForeignKey(
        Unit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="residents",
        verbose_name=_("dormitory room"),
        limit_choices_to={"kind": Unit.Kind.DORM_ROOM},
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    guardian_name = models.CharField(_("guardian name"), max_length=50, blank=True)
    guardian_phone = models.CharField(
        _("guardian phone"), max_length=20, blank=True, validators=[phone_validator]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ENROLLED
    )
    # The student's own account (self-service: leave, roll calls, notices); none until created.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="student",
        verbose_name=_("account"),
    )
    # The guardian number the guardian confirmed through the one-time SMS link, and when. The
    # number is verified only while it equals guardian_phone: changing the number unverifies it.
    guardian_verified_phone = models.CharField(
        _("verified guardian phone"), max_length=20, blank=True
    )
    guardian_verified_at = models.DateTimeField(
        _("guardian phone verified at"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("student")
        verbose_name_plural = _("students")
        ordering = ["student_no"]

    def __str__(self):
        return f"{self.student_no} {self.name}"

    @property
    def guardian_phone_verified(self) -> bool:
        return bool(self.guardian_phone) and self.guardian_verified_phone == self.guardian_phone

"""Every read of monitoring, scoped to the viewer through org's selectors and scope."""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from shouwang.org import selectors as org
from shouwang.org.models import Student, Unit

from . import hooks, nights, permissions, rules
from .models import AutoReport, CheckIn, GateImport, Rule, Trace, VendorFormat

PRESENT, ABSENT, ON_LEAVE, OFF_CAMPUS, UNKNOWN = (
    "present",
    "absent",
    hooks.ON_LEAVE,
    hooks.OFF_CAMPUS,
    "unknown",
)
STATUSES = (PRESENT, ABSENT, ON_LEAVE, OFF_CAMPUS, UNKNOWN)


def cutoffs() -> tuple[datetime.time, dict[int, datetime.time]]:
    """The school's night cut-off and each building's own (from the active rules)."""
    school, own = rules.DEFAULT_CUTOFF, {}
    for building_id, cutoff in Rule.objects.filter(
        kind=Rule.Kind.NIGHT_ABSENCE, is_active=True
    ).values_list("building_id", "cutoff"):
        if cutoff is None:  # a night rule always has one (rule_save); skip a row without
            continue
        if building_id is None:
            school = cutoff
        else:
            own[building_id] = cutoff
    return school, own


def statuses(student_rows, night: datetime.date, now) -> dict[int, str]:
    """{student pk: status} for residents [(pk, building pk)] on a night: present (a present
    check-in), on leave / off campus (excused), absent (marked absent, or past the building's
    cut-off without a present check-in), otherwise unknown."""
    ids = [pk for pk, _b in student_rows]
    marks = dict(
        CheckIn.objects.filter(night=night, student_id__in=ids).values_list("student_id", "status")
    )
    start, end = nights.window(night)
    excused = hooks.excused(ids, max(start, min(now, end)), end) if ids else {}
    school, own = cutoffs()
    found = {}
    for pk, building_id in student_rows:
        mark = marks.get(pk)
        if mark == CheckIn.Status.PRESENT:
            found[pk] = PRESENT
        elif pk in excused:
            found[pk] = excused[pk]
        elif mark == CheckIn.Status.ABSENT or now >= nights.cutoff_at(
            night, own.get(building_id, school)
        ):
            found[pk] = ABSENT
        else:
            found[pk] = UNKNOWN
    return found


@dataclass
class Line:
    unit: Unit
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self):
        return sum(self.counts.values())

    def get(self, status):
        return self.counts.get(status, 0)


def tonight(viewer, *, now=None) -> dict:
    """Per building and per class: how many residents the viewer may see are present, absent,
    on leave (or off campus) and unknown tonight."""
    now = now or timezone.now()
    night = nights.night_of(now)
    residents = list(
        org.students_visible(viewer)
        .filter(status=Student.Status.ENROLLED, dorm_room__isnull=False)
        .values_list("pk", "dorm_room__parent_id", "klass_id")
    )
    found = statuses([(pk, b) for pk, b, _k in residents], night, now)
    units = Unit.objects.in_bulk({b for _p, b, _k in residents} | {k for _p, _b, k in residents})
    buildings: dict[int, Line] = {}
    classes: dict[int, Line] = {}
    totals: Counter = Counter()
    for pk, building_id, klass_id in residents:
        status = found[pk]
        status = ON_LEAVE if status == OFF_CAMPUS else status
        buildings.setdefault(building_id, Line(units[building_id])).counts[status] += 1
        classes.setdefault(klass_id, Line(units[klass_id])).counts[status] += 1
        totals[status] += 1
    return {
        "night": night,
        "now": now,
        "buildings": sorted(buildings.values(), key=lambda line: line.unit.code),
        "classes": sorted(classes.values(), key=lambda line: line.unit.code),
        "totals": totals,
        "residents": len(residents),
    }


def absent_tonight(viewer, *, now=None, limit=200) -> list[dict]:
    """The residents the viewer may see who are absent tonight (names for the tonight page)."""
    now = now or timezone.now()
    night = nights.night_of(now)
    residents = list(
        org.students_visible(viewer)
        .filter(status=Student.Status.ENROLLED, dorm_room__isnull=False)
        .select_related("klass", "dorm_room", "dorm_room__parent")
    )
    found = statuses([(s.pk, s.dorm_room.parent_id) for s in residents], night, now)
    return [{"student": s, "status": found[s.pk]} for s in residents if found[s.pk] == ABSENT][
        :limit
    ]


def round_rooms(viewer, *, now=None) -> list[dict]:
    """The rooms of the viewer's dorm rounds, each with its residents and tonight's status."""
    now = now or timezone.now()
    paths = permissions.round_paths(viewer)
    if not paths:
        return []
    q = Q()
    for p in paths:
        q |= Q(path__startswith=p)
    rooms = list(
        Unit.objects.filter(q, kind=Unit.Kind.DORM_ROOM, is_active=True)
        .select_related("parent")
        .order_by("code")
    )
    students = list(
        Student.objects.filter(dorm_room__in=rooms, status=Student.Status.ENROLLED).order_by(
            "student_no"
        )
    )
    night = nights.night_of(now)
    found = statuses([(s.pk, rooms_parent(rooms, s.dorm_room_id)) for s in students], night, now)
    by_room = defaultdict(list)
    for s in students:
        by_room[s.dorm_room_id].append({"student": s, "status": found[s.pk]})
    return [{"room": r, "students": by_room[r.pk]} for r in rooms if by_room[r.pk]]


def rooms_parent(rooms, room_id):
    for r in rooms:
        if r.pk == room_id:
            return r.parent_id
    return None


def round_student(viewer, student_no: str) -> Student:
    student = (
        Student.objects.select_related("dorm_room", "dorm_room__parent")
        .filter(student_no=student_no)
        .first()
    )
    if student is None or student.dorm_room_id is None:
        raise Http404
    return student


def round_row(student: Student, *, now=None) -> dict:
    now = now or timezone.now()
    building = student.dorm_room.parent_id if student.dorm_room else None
    found = statuses([(student.pk, building)], nights.night_of(now), now)
    return {"student": student, "status": found[student.pk]}


def student_traces(viewer, student_no: str, *, now=None, days=30) -> dict:
    """A student's last 30 days: every trace and each night's check-in, newest first, for those
    who may see the student (org scope: 404 otherwise)."""
    now = now or timezone.now()
    student = org.student_get(viewer, student_no)
    since = now - datetime.timedelta(days=days)
    traces = list(
        Trace.objects.filter(student=student, at__gte=since, at__lte=now).order_by("-at")[:2000]
    )
    checkins = list(
        CheckIn.objects.filter(student=student, night__gte=since.date()).order_by("-night")
    )
    reports = list(
        AutoReport.objects.filter(student=student, filed_at__gte=since)
        .select_related("rule")
        .order_by("-filed_at")
    )
    return {
        "student": student,
        "traces": traces,
        "checkins": checkins,
        "auto_reports": reports,
        "since": since,
    }


def rules_list():
    return list(Rule.objects.select_related("building"))


def rule_get(pk: int) -> Rule:
    rule = Rule.objects.select_related("building").filter(pk=pk).first()
    if rule is None:
        raise Http404
    return rule


def vendor_formats():
    return list(VendorFormat.objects.all())


def gate_import_get(viewer, pk: int) -> GateImport:
    job = GateImport.objects.select_related("vendor").filter(pk=pk).first()
    if job is None or (job.requested_by_id != viewer.pk and not viewer.is_superuser):
        raise Http404
    return job


def buildings():
    return list(Unit.objects.filter(kind=Unit.Kind.DORM_BUILDING, is_active=True).order_by("code"))


def own_nights(student: Student, *, now=None, days=14) -> list[dict]:
    """The student's own roll calls (点名, 查寝) of the last `days` nights, newest first: how each
    night was recorded (present, absent, on leave…) and by which source — for the student's own
    page, so only the student passed in (the caller is their own account)."""
    now = now or timezone.now()
    today = nights.night_of(now)
    since = today - datetime.timedelta(days=days - 1)
    rows = {
        c.night: c
        for c in CheckIn.objects.filter(student=student, night__gte=since, night__lte=today)
    }
    out = []
    for offset in range(days):
        night = today - datetime.timedelta(days=offset)
        mark = rows.get(night)
        out.append(
            {
                "night": night,
                "status": mark.get_status_display() if mark else "",
                "present": bool(mark and mark.status == CheckIn.Status.PRESENT),
                "source": mark.get_source_display() if mark else "",
                "at": mark.at if mark else None,
            }
        )
    return out

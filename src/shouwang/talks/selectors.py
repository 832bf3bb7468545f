"""Every read of talks, scoped to the viewer: the students whose talks they record (their
classes), this period's checklist, the records, and the statistics per holder and college."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from shouwang.org.models import Student, Unit
from shouwang.org.scope import scope_for

from . import permissions
from .models import GuardianLink, Kind, Obligation, Semester, Talk
from .obligations import month_of, semester_on

CHECKLIST_MAX = 500


def students_for_talks(viewer):
    """The students of the viewer's classes (by class, not by dormitory room), for staff who
    record talks; nobody else's."""
    if not permissions.can_record_talks(viewer):
        return Student.objects.none()
    scope = scope_for(viewer)
    if scope.everything:
        return Student.objects.all()
    return Student.objects.filter(scope.q("klass__path"))


def student_for_talks(viewer, student_no: str) -> Student:
    return get_object_or_404(
        students_for_talks(viewer).select_related("klass"), student_no=str(student_no)[:20]
    )


def obligations_visible(viewer):
    if not permissions.can_record_talks(viewer):
        return Obligation.objects.none()
    scope = scope_for(viewer)
    rows = Obligation.objects.all()
    return rows if scope.everything else rows.filter(scope.q("klass__path"))


def current_periods(now=None) -> dict:
    today = timezone.localdate(now)
    month = month_of(today)
    semester = semester_on(today)
    return {
        "today": today,
        "month": month,
        "semester": semester,
    }


def checklist(viewer, *, now=None) -> dict:
    """What the viewer still owes: this month's talks, this semester's parent contacts and home
    visits, each with the students still open or overdue (a tap records)."""
    periods = current_periods(now)
    rows = obligations_visible(viewer).filter(
        state__in=[Obligation.State.OPEN, Obligation.State.OVERDUE]
    )
    sections = []
    wanted = [(Kind.TALK, periods["month"][0])]
    if periods["semester"] is not None:
        start = periods["semester"].start
        wanted += [(Kind.PARENT_CONTACT, start), (Kind.HOME_VISIT, start)]
    for kind, start in wanted:
        pending = rows.filter(kind=kind, period_start=start)
        items = list(
            pending.select_related("student", "klass").order_by(
                "klass__path", "student__student_no"
            )[:CHECKLIST_MAX]
        )
        sections.append(
            {
                "kind": kind,
                "label": Kind(kind).label,
                "count": pending.count(),
                "items": items,
                "truncated": len(items) == CHECKLIST_MAX,
            }
        )
    overdue = rows.filter(state=Obligation.State.OVERDUE).exclude(
        period_start__in=[s for _k, s in wanted]
    )
    return {
        "periods": periods,
        "sections": sections,
        "earlier_overdue": list(
            overdue.select_related("student", "klass").order_by("-period_start")[:CHECKLIST_MAX]
        ),
    }


def talks_for_student(viewer, student):
    if not students_for_talks(viewer).filter(pk=student.pk).exists():
        return Talk.objects.none()
    return Talk.objects.filter(student=student).select_related("by")


def obligations_for_student(viewer, student):
    return obligations_visible(viewer).filter(student=student).order_by("-period_start", "kind")


def statistics(viewer, *, kind: str = Kind.TALK, period_start=None, now=None) -> dict:
    """Per holder and per college: how many obligations of the period, met, open, overdue."""
    if period_start is None:
        periods = current_periods(now)
        if kind == Kind.TALK:
            period_start = periods["month"][0]
        else:
            period_start = periods["semester"].start if periods["semester"] else None
    rows = obligations_visible(viewer).filter(kind=kind, period_start=period_start)
    counts = dict(
        total=Count("pk"),
        met=Count("pk", filter=Q(state=Obligation.State.MET)),
        open=Count("pk", filter=Q(state=Obligation.State.OPEN)),
        overdue=Count("pk", filter=Q(state=Obligation.State.OVERDUE)),
        escalated=Count("pk", filter=Q(escalated=True)),
    )
    by_holder = list(
        rows.values("holder_id", "holder__full_name", "holder__username")
        .annotate(**counts)
        .order_by("-overdue", "holder__full_name")
    )
    by_college = list(
        rows.values("college_id").annotate(**counts).order_by("-overdue", "college_id")
    )
    names = dict(
        Unit.objects.filter(
            pk__in=[r["college_id"] for r in by_college if r["college_id"]]
        ).values_list("pk", "name")
    )
    for r in by_holder:
        r["name"] = r["holder__full_name"] or r["holder__username"] or "—"
    for r in by_college:
        r["name"] = names.get(r["college_id"], "—")
    return {
        "kind": kind,
        "period_start": period_start,
        "by_holder": by_holder,
        "by_college": by_college,
    }


def semesters():
    return Semester.objects.all()


def guardian_links_for(viewer, student):
    if not students_for_talks(viewer).filter(pk=student.pk).exists():
        return GuardianLink.objects.none()
    return GuardianLink.objects.filter(student=student).order_by("-created_at")

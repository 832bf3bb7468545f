"""Every read of the studies app, scoped to the viewer (a warning is seen by those whose scope
holds the student's class)."""

from django.db.models import Count, Q

from shouwang.org.scope import scope_for

from . import academic, permissions
from .models import AcademicWarning, ImportJob, TruancyCase, TruancyRule


def warnings_visible(viewer):
    if not permissions.can_see_studies(viewer):
        return AcademicWarning.objects.none()
    return AcademicWarning.objects.filter(scope_for(viewer).q("student__klass__path"))


def warnings_list(viewer, *, level: str = "", contact: str = "", unit=None):
    qs = warnings_visible(viewer).select_related("student__klass").prefetch_related("contacts")
    if level:
        qs = qs.filter(level=level)
    if contact:
        qs = qs.filter(contact=contact)
    if unit is not None:
        qs = qs.filter(student__klass__path__startswith=unit.path)
    return qs


def warning_get(viewer, warning_id: int) -> AcademicWarning:
    return warnings_visible(viewer).select_related("student__klass").get(pk=warning_id)


def warnings_summary(viewer) -> dict:
    """Counts by level and contact state, for the list's header."""
    qs = warnings_visible(viewer)
    return qs.aggregate(
        total=Count("pk"),
        yellow=Count("pk", filter=Q(level=AcademicWarning.Level.YELLOW)),
        orange=Count("pk", filter=Q(level=AcademicWarning.Level.ORANGE)),
        red=Count("pk", filter=Q(level=AcademicWarning.Level.RED)),
        waiting=Count("pk", filter=Q(contact=AcademicWarning.Contact.WAITING)),
        overdue=Count("pk", filter=Q(contact=AcademicWarning.Contact.OVERDUE)),
    )


def warning_rows(viewer, warnings) -> list[dict]:
    """What the list shows of each warning, flags computed here."""
    return [
        {
            "warning": w,
            "may_record": w.contact != AcademicWarning.Contact.DONE
            and permissions.can_record_contact(viewer, w.student),
            "last_contact": max(w.contacts.all(), key=lambda c: c.recorded_at, default=None),
        }
        for w in warnings
    ]


def truancy_cases_visible(viewer):
    return TruancyCase.objects.filter(scope_for(viewer).q("student__klass__path")).select_related(
        "student__klass", "rule"
    )


def jobs_for(viewer):
    qs = ImportJob.objects.defer("content").select_related("requested_by")
    if viewer.is_superuser:
        return qs
    return qs.filter(requested_by=viewer)


def job_get(viewer, job_id: int) -> ImportJob:
    return jobs_for(viewer).get(pk=job_id)


def truancy_rules():
    return TruancyRule.objects.all()


def warning_rule():
    return academic.warning_rule()

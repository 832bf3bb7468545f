"""What care does when other apps act: a decided, verified crisis report opens care files."""

from shouwang.reports import hooks as report_hooks

from .models import Via
from .services import care_file_open_or_update

# The report categories whose verified, decided reports open a care file for their students.
CRISIS_CATEGORIES = ("mental_health",)


def on_report_decided(*, actor, report, decision, now):
    """Runs inside report_decide's transaction (verified true is required to decide)."""
    if report.category.code not in CRISIS_CATEGORIES:
        return
    for student in report.students.all():
        care_file_open_or_update(actor=actor, student=student, via=Via.REPORT, now=now)


def connect():
    report_hooks.register_on_decide(on_report_decided)

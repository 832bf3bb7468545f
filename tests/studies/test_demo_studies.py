"""The demo school's studies data: what a new user finds on the 学业预警 page."""

from shouwang.demo.school import build_demo
from shouwang.notify.models import Delivery
from shouwang.reports.models import Report
from shouwang.studies.models import AcademicWarning, ParentContact, TruancyCase


def test_the_demo_has_two_truancy_reports_and_warnings_of_every_colour(db):
    build_demo(students=200, seed=7)
    assert sorted(AcademicWarning.objects.values_list("level", "contact")) == [
        ("orange", "done"),
        ("orange", "waiting"),
        ("red", "overdue"),
        ("yellow", "waiting"),
    ]
    assert TruancyCase.objects.count() == 2
    assert Report.objects.filter(category__code="truancy", source="studies.truancy").count() == 2
    assert ParentContact.objects.count() == 1
    # The overdue contact reached the college's deputy secretary.
    assert Delivery.objects.filter(
        message__kind="studies.contact_overdue", recipient__username="c01_secretary"
    ).exists()

"""The demo school shows the aftermath on first start: a closed incident with its items (one
overdue and escalated), a review in progress, and corrective actions in all three colours."""

import pytest
from django.test import Client

from shouwang.accounts.models import User
from shouwang.aftermath.models import AftermathItem, CorrectiveAction, Review
from shouwang.demo.school import build_demo

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_closed_incident_review_and_every_colour():
    build_demo(students=200, seed=7)
    review = Review.objects.get()
    assert review.incident.status == "closed" and review.state == "draft"
    assert review.sections.filter(text="").exists()  # still to be written: sign-off would list them
    items = AftermathItem.objects.filter(aftermath__incident=review.incident)
    assert (
        items.count() == 4
        and items.filter(state="done").exists()
        and items.filter(overdue_at__isnull=False)
    )
    colours = set(
        CorrectiveAction.objects.filter(state__in=CorrectiveAction.OPEN_STATES).values_list(
            "colour", flat=True
        )
    )
    assert {"green", "yellow", "orange", "red"} <= colours
    xsc = Client()
    xsc.force_login(User.objects.get(username="xsc"))
    page = xsc.get("/aftermath/actions/").content.decode()
    assert "红色" in page and "橙色" in page and "黄色" in page
    assert xsc.get(f"/aftermath/reviews/{review.pk}/").status_code == 200

"""The demo school shows the screening on first start: an imported round with flagged
students, their care files, open interviews (one overdue from last spring) for the psych centre."""

import pytest
from django.test import Client
from django.urls import reverse

from shouwang.accounts.models import User
from shouwang.care.models import CareFile
from shouwang.demo.school import build_demo
from shouwang.org.models import Post
from shouwang.screening.models import Interview, Round


@pytest.fixture
def demo(db):
    return build_demo(students=200, seed=7)


def test_the_demo_has_imported_rounds_flagged_students_and_open_interviews(demo):
    rounds = {r.instrument: r for r in Round.objects.all()}
    assert set(rounds) == {"upi", "scl90"} and all(r.state == "imported" for r in rounds.values())
    autumn = rounds["upi"]
    assert autumn.rows == 200 and autumn.flagged == 6
    assert Interview.objects.filter(round=autumn, state="open").count() == 4
    overdue = Interview.objects.filter(round=rounds["scl90"], state="open")
    assert overdue.count() == 1
    flagged = set(Interview.objects.values_list("student_id", flat=True))
    assert set(CareFile.objects.values_list("student_id", flat=True)) >= flagged
    counsellor = User.objects.get(username="counsellor1")
    classes = Post.objects.current().filter(person=counsellor, role__code="counsellor")
    assert CareFile.objects.filter(student__klass__in=classes.values("unit")).exists()
    client = Client()
    client.force_login(User.objects.get(username="xlzx"))
    page = client.get(reverse("screening_interviews")).content.decode()
    assert page.count('class="overdue"') == 1
    page = client.get(reverse("screening_round", args=[autumn.pk])).content.decode()
    assert autumn.term in page and 'id="chart-flags"' in page

"""The demo school's students have accounts and the demo shows leave in every state."""

import io

from django.core.management import call_command
from django.test import Client, RequestFactory

from shouwang.accounts.models import User
from shouwang.demo.school import DEMO_PASSWORD, build_demo
from shouwang.leave import selectors
from shouwang.leave.models import Leave
from shouwang.org.models import Student


def test_demo_students_sign_in_and_see_their_leave(db):
    build_demo(students=200, seed=3)
    enrolled = Student.objects.filter(status="enrolled")
    assert not enrolled.filter(user__isnull=True).exists()  # every enrolled student
    s1 = User.objects.get(username="student1").student
    assert Client().login(
        request=RequestFactory().post("/login/"), username=s1.student_no, password=DEMO_PASSWORD
    )  # the 学号 works as the user name
    assert s1.leaves.get().state == "approved"
    pending = User.objects.get(username="student2").student.leaves.get()
    assert pending.state == "pending"
    assert pending in selectors.queue(User.objects.get(username="counsellor1"))
    lodging = User.objects.get(username="student3").student.leaves.get()
    assert (lodging.kind, lodging.state, lodging.guardian_consent) == (
        "off_campus",
        "approved",
        True,
    )
    assert Leave.objects.filter(state="approved").count() >= 10
    page = Client()
    page.force_login(s1.user)
    assert page.get("/me/").status_code == 200
    assert page.get("/reports/").status_code == 404
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert "student1" in out.getvalue() and s1.student_no in out.getvalue()

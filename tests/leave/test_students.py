"""Student accounts: made in bulk from the register, signed in with a one-time code, and held
to their own pages by the middleware; a student cadre keeps their post."""

import json
import re

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse

from shouwang.accounts.models import User
from shouwang.monitoring.models import CheckIn
from shouwang.monitoring.services import round_mark
from shouwang.notify.models import Delivery
from shouwang.org.models import Student
from shouwang.org.services import student_accounts_create

from .conftest import T0, H, apply

pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_accounts_are_made_once_per_enrolled_student(school):
    school.wangwu.status = "suspended"
    school.wangwu.save()
    assert student_accounts_create(actor=school.admin) == 2
    zhangsan = Student.objects.get(pk=school.zhangsan.pk)
    assert zhangsan.user.username == "2024010101"
    assert zhangsan.user.staff_no == "2024010101"
    assert zhangsan.user.phone == "13800000001"
    assert not zhangsan.user.has_usable_password()  # first log-in by code
    assert student_accounts_create(actor=school.admin) == 0  # again: nothing to do


def test_only_the_office_makes_accounts(school):
    from django.core.exceptions import PermissionDenied  # noqa: PLC0415

    with pytest.raises(PermissionDenied):
        student_accounts_create(actor=school.zhang)
    assert not User.objects.filter(username="2024010101").exists()


def test_the_office_button(school):
    client = signed_in(school.chen)
    page = client.get(reverse("student_search"))
    assert b"student-accounts" in page.content
    client.post(reverse("student_accounts"))
    assert Student.objects.filter(user__isnull=False).count() == 3
    assert signed_in(school.zhang).post(reverse("student_accounts")).status_code == 403


def test_a_cadre_is_linked_and_keeps_the_post(school):
    cadre = Student.objects.create(
        student_no="2024010103", name="刘同学", gender="M", klass=school.class_a
    )
    student_accounts_create(actor=school.admin)
    cadre.refresh_from_db()
    assert cadre.user_id == school.liu.pk  # the dorm head's account, not a second one
    client = signed_in(school.liu)
    assert client.get(reverse("report_list")).status_code == 200  # the post's pages
    assert client.get(reverse("me_home")).status_code == 200  # and their own
    # … but never a classmate's leave.
    school.zhangsan.refresh_from_db()
    leave = apply(school.zhangsan)
    assert client.get(reverse("leave_detail", args=[leave.pk])).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/reports/",
        "/care/",
        "/incidents/",
        "/leave/",
        "/students/",
        "/students/2024010201/",
        "/inbox/",
        "/api/v1/reports",
        "/api/v1/leave",
        "/api/v1/students",
        "/admin/",
    ],
)
def test_a_student_gets_404_outside_their_pages(w, path):
    assert signed_in(w.zhangsan.user).get(path).status_code == 404


def test_a_student_lands_on_their_page(w):
    client = signed_in(w.zhangsan.user)
    response = client.get("/")
    assert response.status_code == 302 and response.url == reverse("me_home")
    page = client.get(reverse("me_home"))
    assert page.status_code == 200
    assert "张三".encode() in page.content
    assert b"inbox_badge" not in page.content and b"/reports/" not in page.content


def test_a_student_reads_only_their_own_leave(w):
    mine = apply(w.zhangsan)
    theirs = apply(w.lisi)
    client = signed_in(w.zhangsan.user)
    assert client.get(reverse("me_leave_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("me_leave_detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("leave_detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("me_leave_cancel", args=[theirs.pk])).status_code == 404
    listed = client.get("/api/v1/me/leave").json()
    assert [x["id"] for x in listed] == [mine.pk]
    # Approving over the API is not a student's: 404, the leave unchanged.
    answer = client.post(
        f"/api/v1/leave/{mine.pk}/approve", data="{}", content_type="application/json"
    )
    assert answer.status_code == 404
    mine.refresh_from_db()
    assert mine.state == "pending"


def test_a_student_applies_on_the_page_and_sees_the_state(w):
    client = signed_in(w.zhangsan.user)
    data = {
        "kind": "leave",
        "start_at": "2026-11-25T08:00",
        "end_at": "2026-11-25T20:00",
        "reason": "看病",
        "destination": "市医院",
        "emergency_name": "张父",
        "emergency_phone": "13900000001",
    }
    response = client.post(reverse("me_leave_new"), data)
    assert response.status_code == 302
    page = client.get(response.url)
    assert "待审批".encode() in page.content or b"Waiting for approval" in page.content
    # The same time again overlaps; the end before the start is refused; both say why.
    again = client.post(reverse("me_leave_new"), data)
    assert again.status_code == 400
    backwards = client.post(reverse("me_leave_new"), {**data, "end_at": "2026-11-25T07:00"})
    assert backwards.status_code == 400
    assert w.zhangsan.leaves.count() == 1


def test_api_apply_and_approve(w):
    student = signed_in(w.zhangsan.user)
    body = {
        "start_at": "2026-11-25T08:00:00+08:00",
        "end_at": "2026-11-25T20:00:00+08:00",
        "reason": "看病",
        "destination": "市医院",
        "emergency_name": "张父",
        "emergency_phone": "13900000001",
    }
    made = student.post("/api/v1/me/leave", json.dumps(body), content_type="application/json")
    assert made.status_code == 201, made.content
    bad = student.post(
        "/api/v1/me/leave",
        json.dumps({**body, "end_at": "2026-11-25T07:00:00+08:00"}),
        content_type="application/json",
    )
    assert bad.status_code == 422 and "end_at" in bad.json()["detail"]
    counsellor = signed_in(w.zhang)
    queue = counsellor.get("/api/v1/leave").json()
    assert [x["id"] for x in queue] == [made.json()["id"]]
    assert signed_in(w.zhao).get("/api/v1/leave").json() == []
    refused = signed_in(w.zhao).post(
        f"/api/v1/leave/{made.json()['id']}/approve", "{}", content_type="application/json"
    )
    assert refused.status_code == 404  # another class: not even there
    ok = counsellor.post(
        f"/api/v1/leave/{made.json()['id']}/approve", "{}", content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["state"] == "approved"
    again = counsellor.post(
        f"/api/v1/leave/{made.json()['id']}/refuse",
        json.dumps({"note": "x"}),
        content_type="application/json",
    )
    assert again.status_code == 409


def test_first_sign_in_with_a_code(school):
    student_accounts_create(actor=school.admin)
    client = Client()
    sent = client.post(reverse("code_login"), {"student_no": "2024010101"})
    assert sent.status_code == 200
    sms = Delivery.objects.get(channel="sms", recipient__username="2024010101")
    code = re.search(r"\d{6}", sms.message.title).group()
    # A second code within the minute is not sent; the answers look the same as for an
    # unknown number (nobody learns who has an account).
    again = client.post(reverse("code_login"), {"student_no": "2024010101"})
    unknown = client.post(reverse("code_login"), {"student_no": "2099999999"})
    assert again.status_code == unknown.status_code == 200
    assert Delivery.objects.filter(channel="sms").count() == 1
    wrong = client.post(reverse("code_login"), {"student_no": "2024010101", "code": "000000"})
    assert wrong.status_code == 400 or code == "000000"
    signed = client.post(reverse("code_login"), {"student_no": "2024010101", "code": code})
    assert signed.status_code == 302 and signed.url == reverse("me_password")
    # Spent: the same code never works twice.
    other = Client()
    assert (
        other.post(reverse("code_login"), {"student_no": "2024010101", "code": code}).status_code
        == 400
    )
    client.post(
        reverse("me_password"), {"password": "Xue-sheng-2026", "password2": "Xue-sheng-2026"}
    )
    assert User.objects.get(username="2024010101").check_password("Xue-sheng-2026")


def test_five_wrong_codes_spend_it(school):
    student_accounts_create(actor=school.admin, password=None)
    client = Client()
    client.post(reverse("code_login"), {"student_no": "2024010101"})
    sms = Delivery.objects.get(channel="sms", recipient__username="2024010101")
    code = re.search(r"\d{6}", sms.message.title).group()
    wrong = "111111" if code != "111111" else "222222"
    for _ in range(5):
        client.post(reverse("code_login"), {"student_no": "2024010101", "code": wrong})
    right = client.post(reverse("code_login"), {"student_no": "2024010101", "code": code})
    assert right.status_code == 400


def test_a_shared_initial_password_is_hashed_once(school, monkeypatch):
    calls = []
    import shouwang.org.services as org_services  # noqa: PLC0415

    monkeypatch.setattr(
        org_services, "make_password", lambda p: calls.append(p) or make_password(p)
    )
    student_accounts_create(actor=school.admin, password="Chu-shi-2026")
    assert calls == ["Chu-shi-2026"]
    assert User.objects.get(username="2024010201").check_password("Chu-shi-2026")


def test_the_command_makes_the_accounts(school):
    from io import StringIO  # noqa: PLC0415

    from django.core.management import call_command  # noqa: PLC0415

    out = StringIO()
    call_command("student_accounts", stdout=out)
    assert "3" in out.getvalue()
    assert Student.objects.filter(user__isnull=False).count() == 3


def test_a_student_signs_in_by_cas_with_their_number(w, cas):
    from tests.casserver import PASSWORD as CAS_PASSWORD  # noqa: PLC0415

    client = Client()
    service = "http://testserver/cas/login/?next=%2F"
    ticket = cas.ticket(service, "zhangsan", CAS_PASSWORD)
    response = client.get("/cas/login/", {"next": "/", "ticket": ticket})
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 302 and home.url == reverse("me_home")
    assert client.get(reverse("me_home")).wsgi_request.user == w.zhangsan.user
    assert client.get("/reports/").status_code == 404


def test_a_student_sees_their_own_roll_calls_and_nobody_elses(w):
    """R-STU-1 from the student's side: the last nights' 查寝 as recorded, their own only."""
    round_mark(actor=w.liu, student=w.zhangsan, status="present", now=T0 - 12 * H)
    # 李四's night, recorded absent (set directly: nobody in this school rounds room 102).
    CheckIn.objects.create(
        student=w.lisi, night=(T0 - 12 * H).date(), status="absent", source="round", at=T0
    )
    page = signed_in(w.zhangsan.user).get(reverse("me_home")).content.decode()
    nights = page[page.index('id="my-nights"') :]
    nights = nights[: nights.index("</ul>")]
    assert nights.count("<li>") == 14
    assert nights.count('class="tag ok"') == 1  # 张三's present night
    assert 'class="tag warn"' not in nights  # 李四's absence is not shown

"""Probe findings: the covert observer (隐形安全员) was named to the class's information and safety
officers, its class teacher and a college token (unit page, person page, the posts API) and report
pages labelled the reporter "隐形安全员"; student cadres saw fellow students' phone numbers on the
unit page and person pages. Only the counsellor and above may know; contacts are for staff."""

import datetime

import pytest
from django.test import Client

from shouwang.accounts.models import User
from shouwang.api.services import token_create
from shouwang.org.models import Post, Role
from tests.reports.conftest import login


def _post(person, unit, role):
    Post.objects.create(
        person=person, unit=unit, role=Role.objects.get(code=role), since=datetime.date(2024, 9, 1)
    )


@pytest.fixture
def cls(school):
    """计科2024-1班 with its information officer, safety officer and a covert observer."""

    def student(username, name, no, phone):
        return User.objects.create_user(username=username, full_name=name, staff_no=no, phone=phone)

    info = student("xin", "辛同学", "2024010104", "13600000001")
    safety = student("an", "安同学", "2024010105", "13600000002")
    covert = student("yin", "尹同学", "2024010106", "13600000003")
    _post(info, school.class_a, "info_officer")
    _post(safety, school.class_a, "safety_officer")
    _post(covert, school.class_a, "covert_observer")
    _token, raw = token_create(
        actor=school.admin, name="学院系统", unit=school.c01, permissions=["org.read"]
    )
    return type("Class", (), {"info": info, "safety": safety, "covert": covert, "token": raw})


def _token_client(raw):
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    return client


def _viewers(school, cls):
    return {
        "info officer": login(cls.info),
        "safety officer": login(cls.safety),
        "class teacher": login(school.sun),
        "college token": _token_client(cls.token),
    }


def test_nobody_below_the_counsellor_learns_who_the_covert_observer_is(school, cls):
    for name, client in _viewers(school, cls).items():
        posts = client.get("/api/v1/units/C01-2024-1/posts")
        assert posts.status_code == 200, name
        assert "covert_observer" not in posts.text and "尹同学" not in posts.text, name
        mine = client.get(f"/api/v1/people/{cls.covert.pk}/posts")
        assert mine.status_code == 404 or "covert_observer" not in mine.text, name
        if name != "college token":
            page = client.get("/org/C01-2024-1/").content.decode()
            assert "尹同学" not in page and "隐形安全员" not in page, name
            person = client.get(f"/people/{cls.covert.pk}/")
            assert person.status_code == 404 or "隐形安全员" not in person.content.decode(), name


def test_the_counsellor_and_above_know_the_covert_observer(school, cls):
    for person in (school.zhang, school.li, school.chen):
        client = login(person)
        assert "尹同学" in client.get("/org/C01-2024-1/").content.decode()
        assert "covert_observer" in client.get("/api/v1/units/C01-2024-1/posts").text
        assert "隐形安全员" in client.get(f"/people/{cls.covert.pk}/").content.decode()


def test_report_pages_do_not_label_the_reporter_as_a_covert_observer(school, cls, file_report):
    report = file_report(actor=cls.covert, unit="C01-2024-1", students=["2024010101"])
    sun = login(school.sun)
    for url in (
        f"/reports/{report.pk}/",
        f"/reports/{report.pk}/timeline/",
        f"/api/v1/reports/{report.pk}",
        f"/api/v1/reports/{report.pk}/timeline",
        "/reports/",
        "/api/v1/reports",
    ):
        text = sun.get(url).content.decode()
        assert (
            "隐形安全员" not in text and "尹同学" not in text and "Covert observer" not in text
        ), url
    assert "尹同学" in login(school.zhang).get(f"/reports/{report.pk}/").content.decode()


def test_student_cadres_see_no_phone_numbers_on_unit_and_person_pages(school, cls):
    school.sun.phone = "13500000005"
    school.sun.save()
    for cadre in (cls.info, cls.safety, school.liu):
        client = login(cadre)
        for url in (
            "/org/C01-2024-1/",
            "/org/D01-101/",
            f"/people/{school.sun.pk}/",
            f"/people/{cls.safety.pk}/",
        ):
            response = client.get(url)
            text = response.content.decode()
            for phone in (
                "13500000005",
                "13600000001",
                "13600000002",
                "13600000003",
                "13800000001",
            ):
                if phone != cadre.phone:
                    assert phone not in text, (cadre.username, url, phone)
    staff = login(school.zhang).get("/org/C01-2024-1/").content.decode()
    assert "13500000005" in staff and "13600000001" in staff

"""Foundation pages through the real URL routes, as the named people of the demo fixture."""

import pytest
from django.test import Client


@pytest.fixture
def login(school):
    def _login(person):
        client = Client()
        client.force_login(person)
        return client

    return _login


def test_anonymous_is_sent_to_login(school):
    response = Client().get("/students/2024010101/")
    assert response.status_code == 302 and response.url.startswith("/login/")


def test_home_shows_my_units_and_gaps_in_chinese(login, school):
    body = login(school.zhang).get("/").content.decode()
    assert "我的单位" in body and "计科2024-1班" in body and "辅导员" in body
    assert "缺岗" in body and "信息员" in body


def test_counsellor_gets_404_for_another_classs_student_and_unit(login, school):
    zhang = login(school.zhang)
    assert zhang.get("/students/2024010101/").status_code == 200
    response = zhang.get("/students/2024010201/")
    assert response.status_code == 404 and "李四" not in response.content.decode()
    assert zhang.get("/org/C01-2024-2/").status_code == 404
    assert login(school.li).get("/students/2024010201/").status_code == 200


def test_search_is_scoped_and_htmx_gets_rows_only(login, school):
    zhang = login(school.zhang)
    assert "2024010201" not in zhang.get("/students/", {"q": "李四"}).content.decode()
    partial = zhang.get("/students/", {"q": "张三"}, HTTP_HX_REQUEST="true").content.decode()
    assert "张三" in partial and "<html" not in partial
    full = zhang.get("/students/", {"q": "2024010101"}).content.decode()
    assert "<html" in full and "张三" in full


def test_tree_and_unit_pages(login, school):
    li = login(school.li)
    assert "计算机学院" in li.get("/org/").content.decode()
    children = li.get("/org/C01-2024/children/").content.decode()
    assert "计科2024-1班" in children and "计科2024-2班" in children
    unit = li.get("/org/C01-2024-1/").content.decode()
    assert "张老师" in unit and "张三" in unit and "2024级" in unit


def test_gap_page_lists_missing_posts(login, school):
    body = login(school.li).get("/org/gaps/").content.decode()
    assert "计科2024-2班" in body and "班主任" in body
    under = login(school.chen).get("/org/gaps/", {"under": "D01"}).content.decode()
    assert "102室" in under and "计科2024-2班" not in under


def test_person_page_shows_posts(login, school):
    body = login(school.li).get(f"/people/{school.zhang.pk}/").content.decode()
    assert "张老师" in body and "辅导员" in body
    assert login(school.zhang).get(f"/people/{school.zhao.pk}/").status_code == 404


def test_english_switch(login, school):
    client = login(school.zhang)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/").content.decode()
    assert "My units" in body and "我的单位" not in body


def test_security_headers_and_csrf(school):
    response = Client().get("/login/")
    assert "Content-Security-Policy" in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "csrfmiddlewaretoken" in response.content.decode()
    strict = Client(enforce_csrf_checks=True)
    assert (
        strict.post("/login/", {"username": "zhang", "password": school.password}).status_code
        == 403
    )


def test_bad_password_shows_chinese_error(school):
    body = Client().post("/login/", {"username": "zhang", "password": "nope"}).content.decode()
    assert "用户名或密码错误" in body


def test_chinese_is_the_default_even_for_an_english_browser(school):
    body = Client().get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "登录守望" in body


def test_home_links_to_all_gaps_when_there_are_more_than_it_shows(login, school):
    from shouwang.org.models import Unit

    for n in range(25):
        Unit.objects.create(
            code=f"C01-2024-X{n:02d}", name=f"扩招{n}班", kind="class", parent=school.grade
        )
    body = login(school.li).get("/").content.decode()
    assert body.count('href="/org/C01-2024-X') == 20 - 2  # the 2 real classes sort first
    assert "查看全部" in body and 'href="/org/gaps/"' in body


def test_students_of_a_class_are_paginated_by_50(login, school):
    from shouwang.org.models import Student

    Student.objects.bulk_create(
        Student(student_no=f"20240199{n:02d}", name=f"学生{n}", gender="F", klass=school.class_a)
        for n in range(60)
    )
    li = login(school.li)
    first = li.get("/org/C01-2024-1/").content.decode()
    assert first.count('href="/students/20') == 50 and "下一页" in first
    second = li.get("/org/C01-2024-1/", {"page": 2}).content.decode()
    assert second.count('href="/students/20') == 62 - 50 and "上一页" in second


def test_out_of_scope_fragments_and_filters_are_404(login, school):
    zhang = login(school.zhang)
    assert zhang.get("/org/C01-2024/children/").status_code == 404
    assert zhang.get("/org/gaps/", {"under": "C01-2024-2"}).status_code == 404
    assert zhang.get(f"/people/{school.li.pk}/").status_code == 404


def test_htmx_history_restore_gets_the_whole_page(login, school):
    # After "back", htmx may re-request a pushed search URL: it needs the page, not the rows.
    body = login(school.zhang).get(
        "/students/",
        {"q": "张三"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_HISTORY_RESTORE_REQUEST="true",
    )
    assert "<html" in body.content.decode() and "HX-Request" in body.headers["Vary"]


def test_logout_is_a_post_only(login, school):
    zhang = login(school.zhang)
    assert zhang.get("/logout/").status_code == 405
    assert zhang.post("/logout/").status_code == 302
    assert zhang.get("/").status_code == 302


def test_forbidden_page_is_chinese(login, school):
    response = login(school.zhang).get("/import/")
    assert response.status_code == 403 and "无权访问" in response.content.decode()


def test_locked_out_page_is_chinese(school, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post("/login/", {"username": "zhao", "password": "wrong"})
    assert response.status_code == 429 and "账户已暂时锁定" in response.content.decode()


def test_no_inline_script_or_style_anywhere(login, school):
    # The CSP forbids them; a template that slips one in would break silently in the browser.
    li = login(school.li)
    for url in (
        "/",
        "/org/",
        "/org/C01-2024-1/",
        "/org/gaps/",
        "/students/?q=张",
        "/students/2024010101/",
        f"/people/{school.zhang.pk}/",
    ):
        body = li.get(url).content.decode()
        assert "<script>" not in body and "<style" not in body and " style=" not in body, url
        assert "<script src=" in body  # htmx, from our own static files


def test_student_page_links_only_the_units_the_viewer_may_open(login, school):
    # 刘同学 is dorm head of room D01-101: she sees 张三 through the room, not through his class.
    liu = login(school.liu)
    body = liu.get("/students/2024010101/").content.decode()
    assert "计科2024-1班" in body and 'href="/org/C01-2024-1/"' not in body
    assert liu.get("/org/C01-2024-1/").status_code == 404
    assert 'href="/org/D01-101/"' in body and liu.get("/org/D01-101/").status_code == 200
    # His counsellor opens his class but not the dormitory building's room.
    zhang = login(school.zhang).get("/students/2024010101/").content.decode()
    assert 'href="/org/C01-2024-1/"' in zhang and 'href="/org/D01-101/"' not in zhang
    both = login(school.chen).get("/students/2024010101/").content.decode()
    assert 'href="/org/C01-2024-1/"' in both and 'href="/org/D01-101/"' in both


def test_gap_page_without_gaps_says_only_that(login, school):
    from shouwang.org.models import Role

    Role.objects.update(required_for=[])
    body = login(school.li).get("/org/gaps/").content.decode()
    assert "没有缺岗。" in body
    assert "以下单位" not in body and "<table" not in body


def test_a_student_cadre_sees_no_phone_numbers_of_roommates_or_guardians(login, school):
    cadre = login(school.liu).get("/students/2024010101/").content.decode()
    assert "张三" in cadre and "13800000001" not in cadre and "13900000001" not in cadre
    staff = login(school.zhang).get("/students/2024010101/").content.decode()
    assert "13800000001" in staff and "13900000001" in staff

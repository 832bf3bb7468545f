import collections
import io
import os
import re
import subprocess
import sys

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, RequestFactory
from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.audit.models import Event
from shouwang.demo.school import DEMO_LOGINS, DEMO_PASSWORD, DemoRefused, build_demo, generate
from shouwang.escalation.models import DutyShift
from shouwang.org import selectors
from shouwang.org.models import PHONE_RE, Post, Student, Unit
from shouwang.org.roles import ROLES_FILE

N = 200


@pytest.fixture
def demo(db):
    summary = build_demo(students=N, seed=7)
    admin = User.objects.create_superuser(username="root", password="x")
    return summary, admin


def test_generation_is_deterministic_and_seed_dependent():
    a, b, c = (
        generate(students=500, seed=3),
        generate(students=500, seed=3),
        generate(students=500, seed=4),
    )
    assert a == b
    assert a.students != c.students


def test_generation_is_the_same_in_another_process():
    """No set or hash order leaks into the rows: two interpreters with different hash seeds
    agree."""
    code = (
        "from shouwang.demo.school import generate; print(generate(students=500, seed=3).digest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert digests == {generate(students=500, seed=3).digest()}


def test_fifty_thousand_students_have_unique_well_formed_numbers():
    data = generate(students=50_000, seed=1)
    numbers = [s[0] for s in data.students]
    assert len(numbers) == len(set(numbers)) == 50_000
    assert all(re.fullmatch(r"20(22|23|24|25)\d{6}", no) for no in numbers)
    assert len({u[0] for u in data.units}) == len(data.units)
    assert sum(1 for u in data.units if u[3] == "college") == 8
    assert 1200 <= sum(1 for u in data.units if u[3] == "class") <= 1300


def test_every_generated_unit_exists_with_the_path_unit_save_would_give(demo):
    data = generate(students=N, seed=7)
    expected = collections.defaultdict(set)
    for code, _name, _en, kind, *_rest in data.units:
        expected[kind].add(code)
    for kind, codes in expected.items():
        assert set(Unit.objects.filter(kind=kind).values_list("code", flat=True)) == codes, kind
    assert {"school", "college", "grade", "class", "dorm_building", "dorm_room", "office"} == set(
        expected
    )
    for unit in Unit.objects.select_related("parent"):
        assert unit.path == unit.compute_path() and unit.depth == unit.path.count("/") - 2, (
            unit.code
        )
    functions = set(Unit.objects.filter(kind="office").values_list("function", flat=True))
    assert {
        "student_affairs",
        "security",
        "psych",
        "publicity",
        "academic",
        "logistics",
    } <= functions
    assert all(
        re.fullmatch(r"\D+20\d\d-\d+班", n)
        for n in Unit.objects.filter(kind="class").values_list("name", flat=True)
    )
    assert all(
        re.fullmatch(r"(男生|女生)\d+号楼", n)
        for n in Unit.objects.filter(kind="dorm_building").values_list("name", flat=True)
    )


def test_classes_rooms_and_students_are_realistic(demo):
    summary, _admin = demo
    assert Student.objects.count() == summary.students == N
    sizes = collections.Counter(Student.objects.values_list("klass__code", flat=True))
    assert set(sizes) == set(Unit.objects.filter(kind="class").values_list("code", flat=True))
    assert all(38 <= n <= 42 for n in sizes.values()), sizes
    assert not Student.objects.filter(dorm_room__isnull=True).exists()
    rooms = collections.defaultdict(list)
    for room, gender, klass in Student.objects.values_list("dorm_room__code", "gender", "klass_id"):
        rooms[room].append((gender, klass))
    assert set(rooms) == set(Unit.objects.filter(kind="dorm_room").values_list("code", flat=True))
    for room, residents in rooms.items():
        assert 4 <= len(residents) <= 6, room
        assert len({g for g, _k in residents}) == 1, room
    one_class = sum(1 for residents in rooms.values() if len({k for _g, k in residents}) == 1)
    assert one_class / len(rooms) > 0.6  # mostly classmates together
    men = {r for r, residents in rooms.items() if residents[0][0] == "M"}
    assert all(Unit.objects.get(code=r).parent.name.startswith("男生") for r in men)
    for s in Student.objects.all():
        assert re.fullmatch(PHONE_RE, s.phone) and re.fullmatch(PHONE_RE, s.guardian_phone)
        assert 2 <= len(s.name) <= 3 and s.guardian_name[0] == s.name[0]
    assert Student.objects.filter(status="enrolled").count() >= N * 0.95


def test_every_role_is_held_by_someone(demo):
    codes = {r["code"] for r in yaml.safe_load(ROLES_FILE.read_text(encoding="utf-8"))}
    held = set(Post.objects.current().values_list("role__code", flat=True))
    assert codes <= held, codes - held


def test_student_cadres_and_dorm_heads_are_students(demo):
    cadre_posts = Post.objects.filter(
        role__code__in=["info_officer", "safety_officer", "dorm_head", "covert_observer"]
    )
    for post in cadre_posts.select_related("person", "unit", "role"):
        student = Student.objects.get(student_no=post.person.staff_no)
        where = student.dorm_room if post.role.code == "dorm_head" else student.klass
        assert where == post.unit, post


def test_only_the_deliberate_gaps_remain(demo):
    _summary, admin = demo
    gaps = {u.code: (u.kind, [r.code for r in roles]) for u, roles in selectors.unit_gaps(admin)}
    assert sorted(gaps.values()) == [
        ("class", ["safety_officer"]),
        ("class", ["safety_officer"]),
        ("dorm_room", ["dorm_head"]),
    ]


def test_demo_logins_log_in_and_counsellor1_sees_exactly_their_classes(demo):
    summary, _admin = demo
    usernames = [u for u, _label in summary.logins]
    assert usernames == [u for u, _label in DEMO_LOGINS]  # all of them, even for 200 students
    # Every demo account shares one argon2 hash (hashed once), so two real log-ins prove them all.
    assert User.objects.filter(username__in=usernames).values("password").distinct().count() == 1
    assert User.objects.values("password").distinct().count() == 2  # the demo's and root's
    staff = User.objects.filter(staff_no__startswith="T").exclude(username__in=usernames).first()
    assert staff.username == staff.staff_no
    for username in ("counsellor1", staff.username):
        assert Client().login(
            request=RequestFactory().post("/login/"), username=username, password=DEMO_PASSWORD
        ), username

    counsellor = User.objects.get(username="counsellor1")
    classes = set(
        counsellor.posts.filter(role__code="counsellor").values_list("unit__code", flat=True)
    )
    assert set(counsellor.posts.values_list("unit__code", flat=True)) == classes
    assert min(classes) == Unit.objects.filter(kind="class").order_by("path").first().code
    visible = selectors.students_visible(counsellor)
    assert sorted(visible.values_list("pk", flat=True)) == sorted(
        Student.objects.filter(klass__code__in=classes).values_list("pk", flat=True)
    )

    def roles_of(username):
        return set(
            Post.objects.filter(person__username=username).values_list("role__code", "unit__code")
        )

    assert roles_of("xsc") == {("leader", "XSC"), ("student_affairs_officer", "XSC")}
    assert roles_of("leader") == {("school_leader", "SCH")}
    assert roles_of("c01_secretary") == {("deputy_secretary", "C01")}
    assert {r for r, _u in roles_of("counsellor2")} == {"counsellor"}
    assert not {u for _r, u in roles_of("counsellor2")} & classes
    first_class = min(classes)
    assert roles_of("teacher1") == {("class_teacher", first_class)}
    ((role, room),) = roles_of("dormhead1")
    assert (
        role == "dorm_head"
        and Student.objects.filter(dorm_room__code=room, klass__code=first_class).exists()
    )


def test_duty_officers_keep_a_roster(demo):
    duty_units = set(
        Post.objects.filter(role__code="duty_officer").values_list("unit__kind", flat=True)
    )
    assert duty_units == {"school", "college", "dorm_building"}
    today = timezone.localdate()
    assert (
        DutyShift.objects.filter(date=today).count()
        == Post.objects.filter(role__code="duty_officer").count()
    )


def test_demo_writes_one_timeline_event_and_refuses_a_second_school(demo):
    summary, _admin = demo
    event = Event.objects.get(verb="org.demo_built")
    assert event.subject_type == "org.demo" and event.subject_id == "7"
    assert (
        event.data["students"] == N and event.data["units"] == summary.units == Unit.objects.count()
    )
    with pytest.raises(DemoRefused):
        build_demo(students=N, seed=1)
    with pytest.raises(CommandError, match="空数据库"):
        call_command("demo", students=N, seed=1)
    assert Unit.objects.count() == summary.units


def test_demo_command_prints_counts_and_logins(db):
    out = io.StringIO()
    call_command("demo", students=N, seed=2, stdout=out)
    text = out.getvalue()
    assert f"学生 {N} 名" in text and "单位" in text and "岗位" in text
    assert all(username in text for username, _label in DEMO_LOGINS)
    assert "counsellor1" in text and "计科" in text and DEMO_PASSWORD in text


@pytest.mark.parametrize("students", [10, 50_001])
def test_demo_command_checks_the_size(db, students):
    with pytest.raises(CommandError):
        call_command("demo", students=students)
    assert not Unit.objects.exists()

import collections

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from shouwang.accounts.models import User
from shouwang.audit.models import Event
from shouwang.org import selectors
from shouwang.org.demo import DEMO_LOGINS, DEMO_PASSWORD, build_demo, generate
from shouwang.org.models import Post, Student, Unit
from shouwang.org.roles import ROLES_FILE


@pytest.fixture
def demo(db):
    summary = build_demo(students=200, seed=7)
    admin = User.objects.create_superuser(username="root", password="x")
    return summary, admin


def test_generation_is_deterministic_and_seed_dependent():
    a, b, c = generate(students=500, seed=3), generate(students=500, seed=3), generate(students=500, seed=4)
    assert a == b
    assert a.students != c.students


def test_fifty_thousand_students_have_unique_numbers():
    data = generate(students=50_000, seed=1)
    numbers = [s[0] for s in data.students]
    assert len(numbers) == len(set(numbers)) == 50_000
    assert len({u[0] for u in data.units}) == len(data.units)


def test_demo_school_shape(demo):
    summary, _admin = demo
    assert Student.objects.count() == summary.students == 200
    assert Unit.objects.filter(kind="school").count() == 1
    assert Unit.objects.filter(kind="office", function="student_affairs").exists()
    sizes = collections.Counter(Student.objects.values_list("klass__code", flat=True))
    assert all(38 <= n <= 42 for n in sizes.values()), sizes
    for room in Unit.objects.filter(kind="dorm_room"):
        residents = list(room.residents.all())
        assert 1 <= len(residents) <= 6
        assert len({s.gender for s in residents}) == 1
    assert not Student.objects.filter(dorm_room__isnull=True).exists()


def test_every_role_is_held_by_someone(demo):
    codes = {r["code"] for r in yaml.safe_load(ROLES_FILE.read_text(encoding="utf-8"))}
    held = set(Post.objects.values_list("role__code", flat=True))
    assert codes <= held, codes - held


def test_only_the_deliberate_gaps_remain(demo):
    _summary, admin = demo
    gaps = {u.code: [r.code for r in roles] for u, roles in selectors.unit_gaps(admin)}
    assert sorted(v[0] for v in gaps.values()) == ["dorm_head", "safety_officer", "safety_officer"]
    assert all(len(v) == 1 for v in gaps.values())


def test_demo_logins_work_and_are_scoped(demo):
    summary, _admin = demo
    assert {"leader", "xsc", "c01_secretary", "counsellor1", "teacher1", "dormhead1"} <= set(summary.logins)
    assert set(summary.logins) <= {u for u, _ in DEMO_LOGINS}
    for username in summary.logins:
        response = Client().post("/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
    counsellor = User.objects.get(username="counsellor1")
    classes = set(counsellor.posts.values_list("unit__code", flat=True))
    visible = selectors.students_visible(counsellor)
    assert set(visible.values_list("klass__code", flat=True)) == classes
    assert visible.count() == Student.objects.filter(klass__code__in=classes).count()


def test_demo_writes_one_timeline_event_and_refuses_a_second_school(demo):
    assert Event.objects.filter(verb="org.demo_built").count() == 1
    with pytest.raises(CommandError, match="empty"):
        call_command("demo", students=200, seed=1)


def test_demo_command_checks_the_size(db):
    with pytest.raises(CommandError):
        call_command("demo", students=10)

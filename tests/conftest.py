"""A small named school the tests tell stories with.

示范大学 (SCH)
├── 计算机学院 C01 — leader 王院长 (wang), deputy secretary 李书记 (li)
│   └── 2024级 C01-2024
│       ├── 计科2024-1班 C01-2024-1 — counsellor 张老师 (zhang), class teacher 孙老师 (sun)
│       │     students 2024010101 张三 (room D01-101), 2024010102 王五
│       └── 计科2024-2班 C01-2024-2 — counsellor 赵老师 (zhao)
│             student 2024010201 李四 (room D01-102)
├── 学生处 XSC (office) — 陈处长 (chen), student affairs officer
└── 1号宿舍楼 D01 — rooms D01-101 (dorm head 刘同学, liu) and D01-102
"""

import datetime
from types import SimpleNamespace

import pytest
from django.conf import settings as django_settings
from django.db import transaction

from shouwang.accounts.models import User
from shouwang.org.models import Post, Role, Student, Unit

PASSWORD = "Test-pass-2026!"
PRODUCTION_HASHERS = list(django_settings.PASSWORD_HASHERS)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # argon2 is slow on purpose; nine accounts per test would dominate the suite's time.
    # tests/accounts checks that production hashes with argon2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# A fixed key for the suite (tests/vault checks the trial key and rotation on their own); a
# trial key a test asks for goes to a temporary SHOUWANG_VAR_DIR, not the checkout's var/.
TEST_ENCRYPTION_KEY = "test:" + "dGVzdC1rZXktb2YtdGhpcnR5LXR3by1ieXRlcyEhISE="


@pytest.fixture(autouse=True)
def _test_keys_and_folders(settings, tmp_path_factory):
    settings.ENCRYPTION_KEY = TEST_ENCRYPTION_KEY
    settings.VAR_DIR = tmp_path_factory.getbasetemp() / "var"
    # Uploads too: the SQLite and PostgreSQL passes run side by side in CI.
    settings.MEDIA_ROOT = tmp_path_factory.getbasetemp() / "media"


@pytest.fixture(autouse=True)
def _sqlite_flush_past_the_audit_trigger(request):
    """Tests that commit (transactional_db, live_server) end with a flush, which on SQLite is
    DELETE FROM every table, and the append-only trigger refuses it. Lift the trigger just for
    that flush (it is set up again for the next test); PostgreSQL flushes with TRUNCATE."""
    committing = {"transactional_db", "live_server"} & set(request.fixturenames)
    if not committing:
        yield
        return
    request.getfixturevalue(next(iter(committing)))  # set up inside us, so torn down after us
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    import importlib

    triggers = importlib.import_module("shouwang.audit.migrations.0002_append_only")
    with connection.cursor() as cursor:
        for sql in triggers.SQLITE_REVERSE + triggers.SQLITE_SQL:
            cursor.execute(sql)
    yield
    with connection.cursor() as cursor:
        for sql in triggers.SQLITE_REVERSE:
            cursor.execute(sql)


def _unit(code, name, kind, parent=None, function=""):
    return Unit.objects.create(code=code, name=name, kind=kind, parent=parent, function=function)


def _person(username, full_name, staff_no):
    return User.objects.create_user(
        username=username, password=PASSWORD, full_name=full_name, staff_no=staff_no
    )


def _post(person, unit, role_code):
    return Post.objects.create(
        person=person,
        unit=unit,
        role=Role.objects.get(code=role_code),
        since=datetime.date(2024, 9, 1),
    )


@pytest.fixture
def school(db):
    with transaction.atomic():
        sch = _unit("SCH", "示范大学", "school")
        c01 = _unit("C01", "计算机学院", "college", sch)
        g = _unit("C01-2024", "2024级", "grade", c01)
        class_a = _unit("C01-2024-1", "计科2024-1班", "class", g)
        class_b = _unit("C01-2024-2", "计科2024-2班", "class", g)
        xsc = _unit("XSC", "学生处", "office", sch, function="student_affairs")
        d01 = _unit("D01", "1号宿舍楼", "dorm_building", sch)
        r101 = _unit("D01-101", "101室", "dorm_room", d01)
        r102 = _unit("D01-102", "102室", "dorm_room", d01)

        admin = User.objects.create_superuser(
            username="admin", password=PASSWORD, full_name="管理员"
        )
        wang = _person("wang", "王院长", "T0001")
        li = _person("li", "李书记", "T0002")
        zhang = _person("zhang", "张老师", "T0003")
        zhao = _person("zhao", "赵老师", "T0004")
        sun = _person("sun", "孙老师", "T0005")
        chen = _person("chen", "陈处长", "T0006")
        liu = _person("liu", "刘同学", "2024010103")
        nobody = _person("nobody", "无岗位", "T0099")

        _post(wang, c01, "leader")
        _post(li, c01, "deputy_secretary")
        _post(zhang, class_a, "counsellor")
        _post(zhao, class_b, "counsellor")
        _post(sun, class_a, "class_teacher")
        _post(chen, xsc, "student_affairs_officer")
        _post(chen, xsc, "leader")
        _post(liu, r101, "dorm_head")

        zhangsan = Student.objects.create(
            student_no="2024010101",
            name="张三",
            gender="M",
            klass=class_a,
            dorm_room=r101,
            phone="13800000001",
            guardian_name="张父",
            guardian_phone="13900000001",
        )
        wangwu = Student.objects.create(
            student_no="2024010102", name="王五", gender="M", klass=class_a
        )
        lisi = Student.objects.create(
            student_no="2024010201",
            name="李四",
            gender="F",
            klass=class_b,
            dorm_room=r102,
            phone="13800000002",
        )
    return SimpleNamespace(
        sch=sch,
        c01=c01,
        grade=g,
        class_a=class_a,
        class_b=class_b,
        xsc=xsc,
        d01=d01,
        r101=r101,
        r102=r102,
        admin=admin,
        wang=wang,
        li=li,
        zhang=zhang,
        zhao=zhao,
        sun=sun,
        chen=chen,
        liu=liu,
        nobody=nobody,
        zhangsan=zhangsan,
        wangwu=wangwu,
        lisi=lisi,
        password=PASSWORD,
    )

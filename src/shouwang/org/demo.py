"""A deterministic, realistic demo school (`shouwang demo --students N --seed S`).

`generate` is pure: the same N and seed give the same rows. `write` stores them with bulk
inserts in one transaction, so 50,000 students take seconds, and writes one timeline event.
The demo leaves a few gaps on purpose (two classes without a safety officer, one room without
a dorm head) so the gap view has something real to show.
"""

import datetime
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

DEMO_PASSWORD = "shouwang-demo"
SCHOOL = ("SCH", "守望大学")
OFFICES = [  # code, name, function, demo login, its role
    ("XSC", "学生处", "student_affairs", "xsc", "student_affairs_officer"),
    ("BWC", "保卫处", "security", "bwc", "security_officer"),
    ("XLZX", "心理健康教育中心", "psych", "xlzx", "psych_staff"),
    ("XCB", "党委宣传部", "publicity", "xcb", "publicity_officer"),
    ("JWC", "教务处", "academic", "jwc", "academic_officer"),
    ("HQC", "后勤处", "logistics", "hqc", "logistics_officer"),
    ("WLZX", "网络中心", "network", None, None),
]
COLLEGES = [
    ("计算机学院", "计科"), ("机械工程学院", "机械"), ("土木工程学院", "土木"), ("经济管理学院", "经管"),
    ("外国语学院", "英语"), ("艺术与设计学院", "视传"), ("马克思主义学院", "思政"), ("理学院", "数学"),
]
GRADES = [2022, 2023, 2024, 2025]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建红鹏辉宇浩然子涵欣怡思雨梓轩一诺佳怡博文晨曦雅琪俊杰诗涵天宇嘉怡梦琪雨泽"
ROOMS_PER_BUILDING = 120
COUNSELLOR_CLASSES = 5

# The well-known accounts a trial user logs in with (all share DEMO_PASSWORD).
DEMO_LOGINS = [
    ("leader", "校领导"), ("xsc", "学生处（处长、工作人员）"), ("bwc", "保卫处"), ("xlzx", "心理中心"),
    ("xcb", "宣传部"), ("c01_secretary", "计算机学院分管学生工作副书记"), ("counsellor1", "辅导员（计算机学院前5个班）"),
    ("counsellor2", "辅导员（另外5个班）"), ("teacher1", "班主任（第一个班）"), ("dormhead1", "宿舍长（第一个班学生的宿舍）"),
]


@dataclass
class DemoData:
    units: list = field(default_factory=list)  # (code, name, kind, parent_code, function)
    staff: list = field(default_factory=list)  # (username, staff_no, full_name, phone)
    posts: list = field(default_factory=list)  # (username, unit_code, role_code)
    students: list = field(default_factory=list)  # (no, name, gender, class_code, room_code, phone, g_name, g_phone, status)
    duty: list = field(default_factory=list)  # (unit_code, username, day_offset)


@dataclass
class DemoSummary:
    units: int
    staff: int
    posts: int
    students: int
    logins: list


def _name(rng, surname=None):
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return (surname or rng.choice(SURNAMES)) + given


def _phone(rng):
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def generate(*, students: int, seed: int = 1) -> DemoData:
    if not 1 <= students <= 200_000:
        raise ValueError("students must be between 1 and 200,000")
    rng = random.Random(seed)
    d = DemoData()
    staff_no = iter(range(10001, 10**6))

    def hire(unit_code, role, username=None, name=None):
        no = f"T{next(staff_no)}"
        username = username or no
        d.staff.append((username, no, name or _name(rng), _phone(rng)))
        d.posts.append((username, unit_code, role))
        return username

    sch, sch_name = SCHOOL
    d.units.append((sch, sch_name, "school", None, ""))
    hire(sch, "school_leader", "leader")
    for code, name, function, login, role in OFFICES:
        d.units.append((code, name, "office", sch, function))
        head = hire(code, "leader", login if role == "student_affairs_officer" else None)
        if role:
            if login == "xsc":
                d.posts.append((head, code, role))
                hire(code, role)
            else:
                hire(code, role, login)

    n_classes = max(4, round(students / 40))
    n_colleges = min(len(COLLEGES), max(1, n_classes // 4))
    classes = []  # (class_code, college_code, grade)
    per_group = {}
    for i in range(n_classes):
        c = i % n_colleges
        grade = GRADES[(i // n_colleges) % len(GRADES)]
        per_group[(c, grade)] = per_group.get((c, grade), 0) + 1
        classes.append((c, grade, per_group[(c, grade)]))
    classes.sort()
    for c in range(n_colleges):
        college_code = f"C{c + 1:02d}"
        d.units.append((college_code, COLLEGES[c][0], "college", sch, ""))
        hire(college_code, "leader")
        hire(college_code, "deputy_secretary", "c01_secretary" if c == 0 else None)
        for grade in GRADES:
            if per_group.get((c, grade)):
                d.units.append((f"{college_code}-{grade}", f"{grade}级", "grade", college_code, ""))

    # Students, class by class, sizes summing exactly to N.
    base, extra = divmod(students, n_classes)
    class_rows = []
    for idx, (c, grade, k) in enumerate(classes):
        college_code = f"C{c + 1:02d}"
        class_code = f"{college_code}-{grade}-{k}"
        d.units.append((class_code, f"{COLLEGES[c][1]}{grade}-{k}班", "class", f"{college_code}-{grade}", ""))
        size = base + (1 if idx < extra else 0)
        members = []
        for seq in range(1, size + 1):
            no = f"{grade}{c + 1:02d}{k:02d}{seq:02d}" if seq < 100 else f"{grade}{c + 1:02d}{k:02d}{seq:03d}"
            surname = rng.choice(SURNAMES)
            gender = "M" if rng.random() < 0.55 else "F"
            status = "suspended" if rng.random() < 0.005 else "enrolled"
            members.append([no, _name(rng, surname), gender, class_code, None, _phone(rng),
                            _name(rng, surname), _phone(rng), status])
        class_rows.append((class_code, college_code, members))

    # Dormitories: rooms of 4 or 6 beds, one gender per room, classmates together.
    everyone = [m for _c, _col, members in class_rows for m in members]
    rooms = []
    for gender, label in (("M", "男生"), ("F", "女生")):
        residents = [m for m in everyone if m[2] == gender]
        i = 0
        while i < len(residents):
            cap = 6 if rng.random() < 0.6 else 4
            rooms.append((gender, label, residents[i:i + cap]))
            i += cap
    building_rooms = {}
    for gender, label, members in rooms:
        b_index = building_rooms.get(gender, 0)
        building_rooms[gender] = b_index + 1
        b_code = f"D{gender}{b_index // ROOMS_PER_BUILDING + 1:02d}"
        if b_index % ROOMS_PER_BUILDING == 0:
            d.units.append((b_code, f"{label}{b_index // ROOMS_PER_BUILDING + 1}号楼", "dorm_building", sch, ""))
            hire(b_code, "dorm_manager")
            duty = hire(b_code, "duty_officer")
            d.duty.extend((b_code, duty, day) for day in range(7))
        floor, pos = divmod(b_index % ROOMS_PER_BUILDING, 20)
        room_code = f"{b_code}-{floor + 1}{pos + 1:02d}"
        d.units.append((room_code, f"{floor + 1}{pos + 1:02d}室", "dorm_room", b_code, ""))
        for m in members:
            m[4] = room_code

    # Student cadres are accounts keyed by 学号; one student may hold several posts.
    cadre_accounts = {}

    def cadre(member, role, unit_code, username=None):
        no = member[0]
        if no not in cadre_accounts:
            cadre_accounts[no] = username or no
            d.staff.append((cadre_accounts[no], no, member[1], member[5]))
        d.posts.append((cadre_accounts[no], unit_code, role))

    first_class = class_rows[0][0]
    heads = [(members[0], members[0][4]) for _g, _l, members in rooms[:-1]]  # the last room: a gap
    first_room = next(room for head, room in heads if any(m[3] == first_class and m[4] == room for m in everyone))
    for head, room in heads:
        cadre(head, "dorm_head", room, "dormhead1" if room == first_room else None)

    # Counsellors take 5 consecutive classes of a college; a class teacher per class.
    counsellor_no = 0
    for c in range(n_colleges):
        college_classes = [r for r in class_rows if r[1] == f"C{c + 1:02d}"]
        for start in range(0, len(college_classes), COUNSELLOR_CLASSES):
            counsellor_no += 1
            login = {1: "counsellor1", 2: "counsellor2"}.get(counsellor_no)
            username = hire(college_classes[start][0], "counsellor", login)
            for class_code, _college, _m in college_classes[start + 1:start + COUNSELLOR_CLASSES]:
                d.posts.append((username, class_code, "counsellor"))
    for i, (class_code, _college, members) in enumerate(class_rows):
        hire(class_code, "class_teacher", "teacher1" if i == 0 else None)
        if members:
            cadre(members[0], "info_officer", class_code)
        if len(members) > 1 and i < len(class_rows) - 2:  # the last two classes: no safety officer
            cadre(members[1], "safety_officer", class_code)
        if len(members) > 2 and i % 10 == 3:
            cadre(members[2], "covert_observer", class_code)
    d.students = [tuple(m) for m in everyone]
    return d


@transaction.atomic
def write(data: DemoData, *, seed: int = 1, today: datetime.date | None = None) -> DemoSummary:
    from shouwang.accounts.models import User
    from shouwang.audit.services import event_record
    from shouwang.escalation.models import DutyShift

    from .models import Post, Role, Student, Unit

    if Unit.objects.exists():
        raise ValueError("the database already has units; the demo school goes only into an empty database")
    today = today or timezone.localdate()
    units = {}
    for code, name, kind, parent, function in data.units:
        path = (units[parent].path if parent else "/") + code + "/"
        units[code] = Unit(code=code, name=name, kind=kind, function=function, path=path, depth=path.count("/") - 2,
                           parent=units[parent] if parent else None)
    # Parents first: each level's ids exist before its children are inserted.
    for depth in sorted({u.depth for u in units.values()}):
        level = [u for u in units.values() if u.depth == depth]
        for u in level:
            u.parent_id = u.parent.pk if u.parent else None
        Unit.objects.bulk_create(level, batch_size=2000)
        if not level[0].pk:  # backends without RETURNING ids
            ids = dict(Unit.objects.filter(code__in=[u.code for u in level]).values_list("code", "pk"))
            for u in level:
                u.pk = ids[u.code]
    password = make_password(DEMO_PASSWORD)  # argon2 is slow on purpose: hash once, share it
    seen = {}
    for username, staff_no, full_name, phone in data.staff:
        seen.setdefault(username, User(username=username, staff_no=staff_no, full_name=full_name, phone=phone,
                                       password=password))
    User.objects.bulk_create(seen.values(), batch_size=2000)
    user_ids = dict(User.objects.filter(username__in=list(seen)).values_list("username", "pk"))
    roles = dict(Role.objects.values_list("code", "pk"))
    since = datetime.date(today.year - 1, 9, 1)
    Post.objects.bulk_create([
        Post(person_id=user_ids[u], unit_id=units[code].pk, role_id=roles[role], since=since)
        for u, code, role in dict.fromkeys(data.posts)
    ], batch_size=5000)
    Student.objects.bulk_create([
        Student(student_no=no, name=name, gender=g, klass_id=units[klass].pk,
                dorm_room_id=units[room].pk if room else None, phone=phone, guardian_name=gn,
                guardian_phone=gp, status=status)
        for no, name, g, klass, room, phone, gn, gp, status in data.students
    ], batch_size=5000)
    DutyShift.objects.bulk_create([
        DutyShift(unit_id=units[code].pk, person_id=user_ids[u], date=today + datetime.timedelta(days=day))
        for code, u, day in data.duty
    ], batch_size=5000)
    summary = DemoSummary(units=len(units), staff=len(seen), posts=len(set(data.posts)),
                          students=len(data.students), logins=[u for u, _ in DEMO_LOGINS if u in seen])
    event_record(actor=None, subject=("org.demo", seed), verb="org.demo_built", data={
        "units": summary.units, "staff": summary.staff, "posts": summary.posts, "students": summary.students,
    })
    return summary


def build_demo(*, students: int, seed: int = 1) -> DemoSummary:
    return write(generate(students=students, seed=seed), seed=seed)

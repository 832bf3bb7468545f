"""A deterministic, realistic demo school (`shouwang demo --students N --seed S`).

`generate` is pure: plain tuples from random.Random(seed), so the same N and seed give the same
rows in any process. `write` stores them with bulk inserts in one transaction (50,000 students
in seconds) and records one timeline event. The demo leaves a few gaps on purpose (the last two
classes have no safety officer, the last room no dorm head) so the gap view has something real
to show; every other required post is filled.
"""

import datetime
import hashlib
import itertools
import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

DEMO_PASSWORD = "shouwang-demo"
MIN_STUDENTS, MAX_STUDENTS = 200, 50_000
SCHOOL = ("SCH", "守望大学", "Shouwang University")
OFFICES = [  # code, name, English name, function, demo login, the office's working role
    (
        "XSC",
        "学生处",
        "Student Affairs Office",
        "student_affairs",
        "xsc",
        "student_affairs_officer",
    ),
    ("BWC", "保卫处", "Security Office", "security", "bwc", "security_officer"),
    ("XLZX", "心理健康教育中心", "Mental Health Education Centre", "psych", "xlzx", "psych_staff"),
    ("XCB", "党委宣传部", "Publicity Department", "publicity", "xcb", "publicity_officer"),
    ("JWC", "教务处", "Academic Affairs Office", "academic", "jwc", "academic_officer"),
    ("HQC", "后勤处", "Logistics Office", "logistics", "hqc", "logistics_officer"),
    ("WLZX", "网络中心", "Network Centre", "network", None, None),
]
COLLEGES = [  # name, English name, class-name prefix, share of male students (shapes the dorms)
    ("计算机学院", "School of Computer Science", "计科", 0.72),
    ("机械工程学院", "School of Mechanical Engineering", "机械", 0.85),
    ("土木工程学院", "School of Civil Engineering", "土木", 0.78),
    ("经济管理学院", "School of Economics and Management", "经管", 0.42),
    ("外国语学院", "School of Foreign Languages", "英语", 0.22),
    ("艺术与设计学院", "School of Art and Design", "视传", 0.32),
    ("马克思主义学院", "School of Marxism", "思政", 0.38),
    ("理学院", "School of Science", "数学", 0.58),
]
GRADES = [2022, 2023, 2024, 2025]
CLASS_SIZE = 40
COUNSELLOR_CLASSES = (
    6  # a counsellor looks after up to 6 classes (4–6 once a grade or college has 4+)
)
ROOMS_PER_FLOOR, FLOORS = 20, 6
# The roster runs from yesterday (whose night shift covers this early morning) for a month of trial
# use.
DUTY_DAYS = 30
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# Common surnames are far commoner (王, 李, 张 about 7 % each): weights fall with the rank.
SURNAME_WEIGHTS = list(itertools.accumulate(1 / (rank + 3) for rank in range(len(SURNAMES))))
# Given names as parents choose them: mostly two characters, some single; by gender.
GIVEN = {
    "M": (
        "伟 强 磊 军 勇 杰 涛 明 超 刚 辉 鹏 飞 鑫 波 斌 宇 浩 凯 健 俊 "
        "帆 旭 龙 阳 晨 博 翔 子轩 浩然 宇航 俊杰 "
        "天宇 博文 思远 志强 明轩 一鸣 子豪 嘉豪 皓轩 梓睿 宇轩 浩宇 晨阳 "
        "家乐 振宇 文博 泽宇 鹏飞 俊熙 睿哲 铭泽 "
        "子墨 逸飞 云龙 伟杰 建华 志明 国栋 海涛 永康 嘉树 承泽 思源 立新 绍辉"
    ).split(),
    "F": (
        "芳 娜 敏 静 丽 艳 娟 霞 玲 婷 雪 慧 颖 琳 洁 倩 欣 怡 雯 悦 "
        "萱 晴 妍 璐 瑶 莉 蕾 子涵 欣怡 思雨 雨萱 "
        "梓涵 诗涵 佳怡 梦琪 雅琪 可馨 雨桐 语嫣 晓彤 思琪 紫萱 若曦 欣妍 "
        "嘉怡 一诺 婉婷 静怡 雨欣 佳琪 心怡 梦瑶 "
        "晓雯 文静 丽娜 慧敏 美琳 秀英 桂芳 淑华 春燕 海燕 雅婷 冰洁 艺菲 沐晨"
    ).split(),
}
GIVEN_BY_LENGTH = {
    g: ([n for n in names if len(n) == 1], [n for n in names if len(n) == 2])
    for g, names in GIVEN.items()
}
# The well-known accounts a trial user logs in with (all share DEMO_PASSWORD), with what they
# are. `generate` replaces the generic labels with the actual classes and rooms.
DEMO_LOGINS = [
    ("leader", "校领导"),
    ("xsc", "学生处处长兼工作人员"),
    ("bwc", "保卫处工作人员"),
    ("xlzx", "心理中心工作人员"),
    ("xcb", "宣传部工作人员"),
    ("jwc", "教务处工作人员"),
    ("hqc", "后勤处工作人员"),
    ("c01_secretary", "第一个学院的分管学生工作副书记"),
    ("counsellor1", "辅导员（第一个学院的前几个班）"),
    ("counsellor2", "辅导员（另外几个班）"),
    ("teacher1", "班主任（第一个班）"),
    ("dormhead1", "宿舍长（住着第一个班学生的宿舍）"),
    # Student accounts (every student has one, 学号 as the user name, the same demo password);
    # these three are the first class's, named so they are easy to type.
    ("student1", "学生（第一个班，请假已批准、正在假期中）"),
    ("student2", "学生（第一个班，请假待辅导员审批）"),
    ("student3", "学生（第一个班，校外住宿已批准）"),
]
DEMO_STUDENTS = ("student1", "student2", "student3")


class DemoRefused(ValueError):
    """The demo school goes only into a database without units."""


@dataclass
class DemoData:
    units: list = field(
        default_factory=list
    )  # (code, name, name_en, kind, parent_code, function, sort_order)
    staff: list = field(default_factory=list)  # (username, staff_no, full_name, phone)
    posts: list = field(default_factory=list)  # (username, unit_code, role_code)
    students: list = field(
        default_factory=list
    )  # (no, name, gender, class_code, room_code, phone, g_name, g_phone, status)
    duty: list = field(default_factory=list)  # (unit_code, username, day_offset)
    logins: list = field(default_factory=list)  # (username, 身份说明)

    def digest(self) -> str:
        """A fingerprint of every row, to compare generations across processes."""
        return hashlib.sha256(
            repr(
                (self.units, self.staff, self.posts, self.students, self.duty, self.logins)
            ).encode()
        ).hexdigest()


@dataclass
class DemoSummary:
    units: int
    staff: int
    posts: int
    students: int
    logins: list  # [(username, 身份说明)]


def _name(rng, gender, surname=None):
    single, double = GIVEN_BY_LENGTH[gender]
    return (surname or _surname(rng)) + rng.choice(single if rng.random() < 0.2 else double)


def _surname(rng):
    return rng.choices(SURNAMES, cum_weights=SURNAME_WEIGHTS)[0]


def _phone(rng):
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"


def _split(items, most):
    """The fewest near-equal consecutive chunks of at most `most` items."""
    k = max(1, -(-len(items) // most))
    base, extra = divmod(len(items), k)
    out, i = [], 0
    for j in range(k):
        n = base + (1 if j < extra else 0)
        out.append(items[i : i + n])
        i += n
    return out


def _room_sizes(rng, n):
    """Sizes of 4–6 summing to n (any n >= 8 splits so; a smaller total is one room)."""
    sizes = []
    while n > 6:
        # Never leave 1–3 or 7 behind: those cannot be filled as rooms of 4–6.
        options = [c for c in (4, 6, 6, 5) if n - c >= 8 or 4 <= n - c <= 6 or n - c == 0] or [4]
        sizes.append(rng.choice(options))
        n -= sizes[-1]
    if n:
        sizes.append(n)
    return sizes


def generate(*, students: int, seed: int = 1) -> DemoData:
    if not MIN_STUDENTS <= students <= MAX_STUDENTS:
        raise ValueError(f"students must be between {MIN_STUDENTS} and {MAX_STUDENTS}")
    rng = random.Random(seed)
    d = DemoData()
    staff_no = iter(range(10001, 10**6))
    order = {}

    def unit(code, name, kind, parent, function="", name_en=""):
        order[parent] = order.get(parent, 0) + 1
        d.units.append((code, name, name_en, kind, parent, function, order[parent]))

    def hire(unit_code, role, username=None):
        no = f"T{next(staff_no)}"
        username = username or no
        d.staff.append((username, no, _name(rng, rng.choice("MF")), _phone(rng)))
        d.posts.append((username, unit_code, role))
        return username

    sch, sch_name, sch_en = SCHOOL
    unit(sch, sch_name, "school", None, name_en=sch_en)
    hire(sch, "school_leader", "leader")
    school_duty = hire(
        sch, "duty_officer"
    )  # 总值班: the fallback when no nearer unit keeps a roster
    d.duty.extend((sch, school_duty, day) for day in range(-1, DUTY_DAYS))
    for code, name, name_en, function, login, role in OFFICES:
        unit(code, name, "office", sch, function, name_en)
        head = hire(code, "leader", login if role == "student_affairs_officer" else None)
        if (
            role == "student_affairs_officer"
        ):  # the xsc login is head and officer: sees and acts on everything
            d.posts.append((head, code, role))
            hire(code, role)
        elif role:
            hire(code, role, login)

    # Classes spread over colleges and grades round-robin, so every college gets every grade
    # as soon as there are enough classes; at least two colleges even for 200 students.
    n_classes = max(5, round(students / CLASS_SIZE))
    n_colleges = min(len(COLLEGES), max(2, -(-n_classes // 4)))
    per_group, classes = {}, []
    for i in range(n_classes):
        c, grade = i % n_colleges, GRADES[(i // n_colleges) % len(GRADES)]
        per_group[(c, grade)] = per_group.get((c, grade), 0) + 1
        classes.append((c, grade, per_group[(c, grade)]))
    classes.sort()
    for c in range(n_colleges):
        college = f"C{c + 1:02d}"
        unit(college, COLLEGES[c][0], "college", sch, name_en=COLLEGES[c][1])
        hire(college, "leader")
        hire(college, "deputy_secretary", "c01_secretary" if c == 0 else None)
        duty = hire(college, "duty_officer")  # 学院值班老师, asked at night for absences
        d.duty.extend((college, duty, day) for day in range(-1, DUTY_DAYS))
        for grade in GRADES:
            if per_group.get((c, grade)):
                unit(
                    f"{college}-{grade}",
                    f"{grade}级",
                    "grade",
                    college,
                    name_en=f"Class of {grade}",
                )

    # Students class by class; sizes sum exactly to N. 学号 = grade + college + class + seq.
    base, extra = divmod(students, n_classes)
    class_rows = []  # (class_code, class_name, college_index, grade, members)
    for idx, (c, grade, k) in enumerate(classes):
        college, prefix, male_share = f"C{c + 1:02d}", COLLEGES[c][2], COLLEGES[c][3]
        code, name = f"{college}-{grade}-{k}", f"{prefix}{grade}-{k}班"
        unit(code, name, "class", f"{college}-{grade}", name_en=f"{prefix} {grade} class {k}")
        members = []
        for seq in range(1, base + (1 if idx < extra else 0) + 1):
            gender = "M" if rng.random() < male_share else "F"
            surname = _surname(rng)
            status = "suspended" if rng.random() < 0.005 else "enrolled"
            members.append(
                [
                    f"{grade}{c + 1:02d}{k:02d}{seq:02d}",
                    _name(rng, gender, surname),
                    gender,
                    code,
                    None,
                    _phone(rng),
                    _name(rng, "M", surname),
                    _phone(rng),
                    status,
                ]
            )
        class_rows.append((code, name, c, grade, members))

    # Dormitories: rooms of 4–6, one gender per room, filled in class order so classmates live
    # together; 120 rooms (6 floors × 20) to a building, men's and women's buildings apart.
    rooms, room_names = [], {}  # [(room_code, members)], room_code → "男生1号楼101室"
    for gender, label, label_en in (("M", "男生", "Men's"), ("F", "女生", "Women's")):
        residents = [m for *_, members in class_rows for m in members if m[2] == gender]
        start = 0
        for r, size in enumerate(_room_sizes(rng, len(residents))):
            b, (floor, pos) = (
                r // (FLOORS * ROOMS_PER_FLOOR) + 1,
                divmod(r % (FLOORS * ROOMS_PER_FLOOR), ROOMS_PER_FLOOR),
            )
            building = f"D{gender}{b:02d}"
            if floor == pos == 0:
                unit(
                    building,
                    f"{label}{b}号楼",
                    "dorm_building",
                    sch,
                    name_en=f"{label_en} dormitory {b}",
                )
                hire(building, "dorm_manager")
                duty = hire(building, "duty_officer")
                d.duty.extend((building, duty, day) for day in range(-1, DUTY_DAYS))
            room = f"{building}-{floor + 1}{pos + 1:02d}"
            unit(
                room,
                f"{floor + 1}{pos + 1:02d}室",
                "dorm_room",
                building,
                name_en=f"Room {floor + 1}{pos + 1:02d}",
            )
            room_names[room] = f"{label}{b}号楼{floor + 1}{pos + 1:02d}室"
            members = residents[start : start + size]
            start += size
            for m in members:
                m[4] = room
            rooms.append((room, members))

    # Student cadres are accounts keyed by 学号 (their staff_no); one student may hold several
    # posts.
    cadre_accounts = {}

    def cadre(member, role, unit_code, username=None):
        no = member[0]
        if no not in cadre_accounts:
            cadre_accounts[no] = username or no
            d.staff.append((cadre_accounts[no], no, member[1], member[5]))
        d.posts.append((cadre_accounts[no], unit_code, role))

    def enrolled(members):
        return [m for m in members if m[8] == "enrolled"] or members

    first_class = class_rows[0][0]
    first_room = next(room for room, members in rooms if any(m[3] == first_class for m in members))
    heads = set()
    for room, members in rooms[:-1]:  # the very last room has no dorm head: a deliberate gap
        head = enrolled(members)[0]
        heads.add(head[0])
        cadre(head, "dorm_head", room, "dormhead1" if room == first_room else None)

    # Counsellors: consecutive classes of one grade (年级辅导员) when grades are big enough,
    # else of one college; a class teacher for every class.
    counsellors = []  # (username, [(class_code, class_name)])
    for c in range(n_colleges):
        mine = [(code, name, grade) for code, name, cc, grade, _m in class_rows if cc == c]
        by_grade = len(mine) >= 4 * len({g for *_, g in mine})
        groups = [[x for x in mine if x[2] == g] for g in GRADES] if by_grade else [mine]
        for group in groups:
            for chunk in _split(group, COUNSELLOR_CLASSES) if group else []:
                login = {0: "counsellor1", 1: "counsellor2"}.get(len(counsellors))
                username = hire(chunk[0][0], "counsellor", login)
                d.posts.extend((username, code, "counsellor") for code, _n, _g in chunk[1:])
                counsellors.append((username, [(code, name) for code, name, _g in chunk]))
    for i, (code, *_, members) in enumerate(class_rows):
        hire(code, "class_teacher", "teacher1" if i == 0 else None)
        # Class cadres: enrolled students, preferably not already dorm heads, picked at random.
        pool = [m for m in enrolled(members) if m[0] not in heads] or enrolled(members)
        picked = rng.sample(pool, min(3, len(pool)))
        cadre(picked[0], "info_officer", code)
        if i < len(class_rows) - 2:  # the last two classes have no safety officer: deliberate gaps
            cadre(picked[1], "safety_officer", code)
        if i % 10 == 3:  # 隐形安全员 in every tenth class; nobody else knows who
            cadre(picked[2], "covert_observer", code)

    # Three ordinary students of the first class get easy user names (their 学号 works too).
    plain = [m for m in enrolled(class_rows[0][-1]) if m[0] not in cadre_accounts]
    student_labels = {}
    for login, member in zip(DEMO_STUDENTS, plain, strict=False):
        cadre_accounts[member[0]] = login
        d.staff.append((login, member[0], member[1], member[5]))
        student_labels[login] = member

    def classes_label(classes_):
        return classes_[0][1] + (f" 等 {len(classes_)} 个班" if len(classes_) > 1 else "")

    college0 = COLLEGES[0][0]
    labels = {
        "c01_secretary": f"{college0}分管学生工作副书记",
        "counsellor1": f"辅导员（{classes_label(counsellors[0][1])}）",
        "counsellor2": f"辅导员（{classes_label(counsellors[1][1])}）",
        "teacher1": f"班主任（{class_rows[0][1]}）",
        "dormhead1": f"宿舍长（{room_names[first_room]}，住着{class_rows[0][1]}的学生）",
    }
    for login, (no, name, *_rest) in student_labels.items():
        what = dict(DEMO_LOGINS)[login].removeprefix("学生（第一个班，").removesuffix("）")
        labels[login] = f"学生 {name}（学号 {no}，{class_rows[0][1]}，{what}）"
    d.logins = [(u, labels.get(u, label)) for u, label in DEMO_LOGINS]
    d.students = [tuple(m) for *_, members in class_rows for m in members]
    return d


@transaction.atomic
def write(data: DemoData, *, seed: int = 1, today: datetime.date | None = None) -> DemoSummary:
    # Here, not at the top: `generate` is pure and must import without Django set up (a bare
    # process checks it is deterministic), and models need the app registry.
    from shouwang.accounts.models import User
    from shouwang.audit.services import event_record
    from shouwang.demo.accountability import accountability_demo
    from shouwang.demo.aftermath import add_aftermath
    from shouwang.demo.campaigns import campaigns_demo
    from shouwang.demo.care import care_demo
    from shouwang.demo.documents import demo_documents
    from shouwang.demo.handovers import handovers_demo
    from shouwang.demo.leave import leave_demo
    from shouwang.demo.monitoring import monitoring_demo
    from shouwang.demo.screening import screening_demo
    from shouwang.demo.studies import studies_demo
    from shouwang.demo.talks import talks_demo
    from shouwang.escalation.models import DutyShift
    from shouwang.ops.schema import refresh_planner_statistics
    from shouwang.org.models import Post, Role, Student, Unit

    if Unit.objects.exists():
        raise DemoRefused(
            "数据库里已有单位：示范学校只能建在空数据库中（the database already has units; "
            "the demo school goes only into an empty database）"
        )
    today = today or timezone.localdate()
    # bulk_create skips Unit.save(), so path and depth are computed here exactly as it does.
    units = {}
    for code, name, name_en, kind, parent, function, sort_order in data.units:
        path = (units[parent].path if parent else "/") + code + "/"
        units[code] = Unit(
            code=code,
            name=name,
            name_en=name_en,
            kind=kind,
            function=function,
            sort_order=sort_order,
            path=path,
            depth=path.count("/") - 2,
            parent=units[parent] if parent else None,
        )
    # Level by level: each level's ids exist before its children point at them.
    for depth in sorted({u.depth for u in units.values()}):
        level = [u for u in units.values() if u.depth == depth]
        for u in level:
            u.parent_id = u.parent.pk if u.parent else None
        Unit.objects.bulk_create(level, batch_size=2000)
        if not level[0].pk:  # backends that cannot return ids from a bulk insert
            ids = dict(Unit.objects.filter(depth=depth).values_list("code", "pk"))
            for u in level:
                u.pk = ids[u.code]
    password = make_password(DEMO_PASSWORD)  # argon2 is slow on purpose: hash once, share the hash
    people = {}
    for username, staff_no, full_name, phone in data.staff:
        people.setdefault(
            username,
            User(
                username=username,
                staff_no=staff_no,
                full_name=full_name,
                phone=phone,
                password=password,
            ),
        )
    User.objects.bulk_create(people.values(), batch_size=2000)
    # Ids by reading back (not every backend returns them from a bulk insert); filtered here
    # rather than with username__in, which would pass ~16,000 parameters at 50,000 students.
    user_ids = {u: pk for u, pk in User.objects.values_list("username", "pk") if u in people}
    # Every student's own account (学号, the demo password): the cadres' and the three named
    # students' accounts exist already (staff_no = 学号), the others are inserted here in bulk.
    have_account = {staff_no for _u, staff_no, _n, _p in data.staff}
    _insert_accounts(
        User,
        [
            (no, name, phone)
            for no, name, _g, _k, _r, phone, _gn, _gp, status in data.students
            if no not in have_account and status == "enrolled"
        ],
        password=password,
    )
    account_of = dict(User.objects.filter(staff_no__isnull=False).values_list("staff_no", "pk"))
    roles = dict(Role.objects.values_list("code", "pk"))
    since = datetime.date(today.year - 1, 9, 1)  # in post since the start of last school year
    posts = list(dict.fromkeys(data.posts))
    Post.objects.bulk_create(
        [
            Post(person_id=user_ids[u], unit_id=units[code].pk, role_id=roles[role], since=since)
            for u, code, role in posts
        ],
        batch_size=5000,
    )
    Student.objects.bulk_create(
        [
            Student(
                student_no=no,
                name=name,
                gender=g,
                klass_id=units[klass].pk,
                dorm_room_id=units[room].pk if room else None,
                phone=phone,
                guardian_name=gn,
                guardian_phone=gp,
                status=status,
                user_id=account_of.get(no) if status == "enrolled" else None,
            )
            for no, name, g, klass, room, phone, gn, gp, status in data.students
        ],
        batch_size=5000,
    )
    phones = {u.username: u.phone for u in people.values()}
    DutyShift.objects.bulk_create(
        [
            DutyShift(
                unit_id=units[code].pk,
                person_id=user_ids[u],
                date=today + datetime.timedelta(days=day),
                phone=phones[u],
            )
            for code, u, day in data.duty
        ],
        batch_size=5000,
    )
    summary = DemoSummary(
        units=len(units),
        staff=len(people),
        posts=len(posts),
        students=len(data.students),
        logins=[(u, label) for u, label in data.logins if u in people],
    )
    event_record(
        actor=None,
        subject=("org.demo", seed),
        verb="org.demo_built",
        data={
            "units": summary.units,
            "staff": summary.staff,
            "posts": summary.posts,
            "students": summary.students,
            "duty_shifts": len(data.duty),
            "seed": seed,
        },
    )
    refresh_planner_statistics(Unit, User, Post, Student, DutyShift)
    # Each module's demo, through its services; documents last (they print what the others made).
    add_aftermath(today=today)
    accountability_demo(today=today)
    # Issues 16 and 17: leave before monitoring (last night's scan excuses students on leave).
    leave_demo(today=today)
    monitoring_demo(today=today)
    studies_demo(today=today)
    campaigns_demo(today=today)
    talks_demo(today=today)
    handovers_demo(today=today)
    care_demo(today=today)
    screening_demo(today=today)
    demo_documents(today=today)
    return summary


def _insert_accounts(User, people, *, password):
    """Students' accounts as plain rows (executemany): 50,000 model instances through
    bulk_create cost seconds the demo does not need to spend."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    table = connection.ops.quote_name(User._meta.db_table)
    columns = [
        "password",
        "is_superuser",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
        "full_name",
        "staff_no",
        "phone",
    ]
    sql = (
        f"INSERT INTO {table} ({', '.join(connection.ops.quote_name(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    rows = [
        (password, False, no, "", "", "", False, True, now, name, no, phone)
        for no, name, phone in people
    ]
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[i : i + 5000])


def build_demo(*, students: int, seed: int = 1) -> DemoSummary:
    return write(generate(students=students, seed=seed), seed=seed)

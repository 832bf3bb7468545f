"""What each kind of org file holds — units, staff, students: each column's Chinese header,
field, whether it is required, and the parser that turns a cell into a value or says, in the
reader's language, why it can't. Reading files and cleaning cells is shouwang.sheets;
importing.py decides what the rows mean and writes them.
"""

from django.utils.translation import gettext as _

from shouwang.sheets import Column, choice, date, email, identifier, phone, text

from .models import Student, Unit

KINDS = ("units", "staff", "students")


UNIT_KINDS = {
    "学校": "school",
    "学院": "college",
    "院系": "college",
    "年级": "grade",
    "班级": "class",
    "宿舍楼": "dorm_building",
    "宿舍": "dorm_room",
    "宿舍房间": "dorm_room",
    "职能部门": "office",
    **{k: k for k in Unit.Kind.values},
}
PARENT_KINDS = {
    "school": {None},
    "college": {"school"},
    "office": {"school"},
    "dorm_building": {"school"},
    "grade": {"college"},
    "class": {"grade", "college"},
    "dorm_room": {"dorm_building"},
}
FUNCTIONS = {
    "学生工作": "student_affairs",
    "学生处": "student_affairs",
    "保卫": "security",
    "保卫处": "security",
    "心理": "psych",
    "心理中心": "psych",
    "宣传": "publicity",
    "宣传部": "publicity",
    "教务": "academic",
    "教务处": "academic",
    "后勤": "logistics",
    "后勤处": "logistics",
    "网络": "network",
    "网络中心": "network",
    **{
        k: k
        for k in (
            "student_affairs",
            "security",
            "psych",
            "publicity",
            "academic",
            "logistics",
            "network",
        )
    },
}
GENDERS = {"男": "M", "女": "F", "男性": "M", "女性": "F", "m": "M", "f": "F"}
STATUSES = {
    "在读": "enrolled",
    "休学": "suspended",
    "退学": "withdrawn",
    "毕业": "graduated",
    **{k: k for k in Student.Status.values},
}
CODE = r"^[A-Za-z0-9_.\-]{1,40}$"

SPECS = {
    "units": [
        Column(
            "单位代码",
            "code",
            True,
            identifier(
                CODE,
                lambda: _("%(value)s is not a valid code: use letters, digits, '-', '_' and '.'."),
            ),
            "C01-2024-1",
            True,
        ),
        Column("单位名称", "name", True, text(100), "计科2024-1班"),
        Column(
            "单位类型",
            "kind",
            True,
            choice(
                UNIT_KINDS,
                lambda: _(
                    "Unit kind must be one of 学校, 学院, 年级, 班级, 宿舍楼, 宿舍, 职能部门."
                ),
            ),
            "班级",
        ),
        Column(
            "上级单位代码",
            "parent",
            False,
            identifier(
                r"^$|" + CODE,
                lambda: _("%(value)s is not a valid code: use letters, digits, '-', '_' and '.'."),
            ),
            "C01-2024",
            True,
        ),
        Column(
            "职能",
            "function",
            False,
            choice(
                FUNCTIONS,
                lambda: _(
                    "Unknown office function: use 学生处, 保卫处, 心理中心, 宣传部, "
                    "教务处, 后勤处, 网络中心 (or "
                    "student_affairs, security, psych, publicity, academic, logistics, network)."
                ),
            ),
            "",
        ),
        Column("英文名称", "name_en", False, text(100), ""),
    ],
    "staff": [
        Column(
            "工号",
            "staff_no",
            True,
            identifier(CODE, lambda: _("%(value)s is not a valid staff number.")),
            "T0001",
            True,
        ),
        Column("姓名", "full_name", True, text(100), "张老师"),
        Column("手机", "phone", False, phone, "13800000000", True),
        Column("邮箱", "email", False, email, "zhang@example.edu.cn"),
        Column("岗位", "role", True, text(60), "辅导员"),
        Column(
            "单位代码",
            "unit",
            True,
            identifier(
                CODE,
                lambda: _("%(value)s is not a valid code: use letters, digits, '-', '_' and '.'."),
            ),
            "C01-2024-1",
            True,
        ),
        Column("任职开始日期", "since", False, date, "2024-09-01", default=None),
    ],
    "students": [
        Column(
            "学号",
            "student_no",
            True,
            identifier(
                r"^[A-Za-z0-9]{4,20}$", lambda: _("%(value)s is not a valid student number.")
            ),
            "2024010101",
            True,
        ),
        Column("姓名", "name", True, text(50), "张三"),
        Column(
            "性别", "gender", True, choice(GENDERS, lambda: _("Gender must be 男 or 女.")), "男"
        ),
        Column("班级代码", "klass", True, text(40), "C01-2024-1", True),
        Column("宿舍", "dorm_room", False, text(40), "D01-101", True),
        Column("手机", "phone", False, phone, "13800000001", True),
        Column("监护人姓名", "guardian_name", False, text(50), "张父"),
        Column("监护人电话", "guardian_phone", False, phone, "13900000001", True),
        Column(
            "状态",
            "status",
            False,
            choice(STATUSES, lambda: _("Status must be 在读, 休学, 退学 or 毕业.")),
            "在读",
            default="enrolled",
        ),
    ],
}
SHEET_TITLES = {"units": "单位", "staff": "教职工", "students": "学生"}

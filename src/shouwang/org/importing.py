"""Import units, staff and students from the spreadsheets offices really have (.xlsx, .csv in
UTF-8 or GBK). All or nothing: every row is checked first and any error means nothing is
written, with every error listed by row and column. Re-importing the same file changes nothing
(keys: 单位代码, 工号, 学号). Staff imports add posts; they never end one (that is a decision for
a person, made in the UI).
"""

import csv
import datetime
import hashlib
import io
import re
from dataclasses import dataclass, field

import openpyxl
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record

from .models import PHONE_RE, Post, Role, Student, Unit
from .permissions import can_manage_org

KINDS = ("units", "staff", "students")
UNIT_KINDS = {"学校": "school", "学院": "college", "院系": "college", "年级": "grade", "班级": "class",
              "宿舍楼": "dorm_building", "宿舍": "dorm_room", "宿舍房间": "dorm_room", "职能部门": "office"}
PARENT_KINDS = {"school": {None}, "college": {"school"}, "office": {"school"}, "dorm_building": {"school"},
                "grade": {"college"}, "class": {"grade", "college"}, "dorm_room": {"dorm_building"}}
GENDERS = {"男": "M", "女": "F", "M": "M", "F": "F"}
STATUSES = {"在读": "enrolled", "休学": "suspended", "退学": "withdrawn", "毕业": "graduated", "": "enrolled"}
CODE_RE = re.compile(r"^[A-Za-z0-9_.\-]+$")

# kind → [(Chinese header, field, required)]
COLUMNS = {
    "units": [("单位代码", "code", True), ("单位名称", "name", True), ("单位类型", "kind", True),
              ("上级单位代码", "parent", False), ("职能", "function", False), ("英文名称", "name_en", False)],
    "staff": [("工号", "staff_no", True), ("姓名", "full_name", True), ("手机", "phone", False),
              ("邮箱", "email", False), ("岗位", "role", True), ("单位代码", "unit", True),
              ("任职开始日期", "since", False)],
    "students": [("学号", "student_no", True), ("姓名", "name", True), ("性别", "gender", True),
                 ("班级代码", "klass", True), ("宿舍", "dorm_room", False), ("手机", "phone", False),
                 ("监护人姓名", "guardian_name", False), ("监护人电话", "guardian_phone", False),
                 ("状态", "status", False)],
}
EXAMPLES = {
    "units": ["C01-2024-1", "计科2024-1班", "班级", "C01-2024", "", ""],
    "staff": ["T0001", "张老师", "13800000000", "zhang@example.edu.cn", "辅导员", "C01-2024-1", "2024-09-01"],
    "students": ["2024010101", "张三", "男", "C01-2024-1", "D01-101", "13800000001", "张父", "13900000001", "在读"],
}


class ImportFileError(Exception):
    """The file as a whole cannot be read (type, size, encoding, missing columns)."""


@dataclass
class ImportResult:
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # (row, column, message)

    @property
    def ok(self):
        return not self.errors


def read_rows(data: bytes, filename: str):
    """Yield (row_number, {header: text}) from .xlsx or .csv bytes; headers from the first row."""
    if len(data) > settings.IMPORT_MAX_BYTES:
        raise ImportFileError(_("The file is larger than %(mb)d MB.") % {"mb": settings.IMPORT_MAX_BYTES // 2**20})
    if data.startswith(b"PK\x03\x04"):
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            raise ImportFileError(_("The file is not a readable .xlsx workbook.")) from None
        rows = book.worksheets[0].iter_rows(values_only=True)
    elif filename.lower().endswith(".csv") and b"\x00" not in data[:4096]:
        for encoding in ("utf-8-sig", "gbk"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise ImportFileError(_("The CSV file is neither UTF-8 nor GBK."))
        rows = csv.reader(io.StringIO(text))
    else:
        raise ImportFileError(_("Unsupported file type: upload an .xlsx workbook or a .csv file."))
    header = None
    for number, values in enumerate(rows, start=1):
        cells = [_text(v) for v in values]
        if header is None:
            header = cells
            continue
        if any(cells):
            yield number, dict(zip(header, cells, strict=False))
    if header is None:
        raise ImportFileError(_("The file is empty."))


def _text(value) -> str:
    """Cell → text. Excel turns 学号 and phone numbers into numbers; turn them back."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _parse_date(text):
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    return None


class _Rows:
    """Collects errors; maps each row's headers to fields, checking required columns once."""

    def __init__(self, kind, data, filename):
        self.kind, self.errors, self.columns = kind, [], COLUMNS[kind]
        self.rows = []
        header_checked = False
        for number, raw in read_rows(data, filename):
            if not header_checked:
                missing = [h for h, _f, required in self.columns if required and h not in raw]
                if missing:
                    raise ImportFileError(_("Missing column(s): %(cols)s") % {"cols": "、".join(missing)})
                header_checked = True
            self.rows.append((number, {f: raw.get(h, "") for h, f, _r in self.columns}))

    def error(self, row, field_name, message):
        header = next(h for h, f, _r in self.columns if f == field_name)
        self.errors.append((row, header, message))

    def require(self, row, values):
        ok = True
        for header, f, required in self.columns:
            if required and not values[f]:
                self.errors.append((row, header, _("This cell must not be empty.")))
                ok = False
        return ok


def _check_phone(rows, number, values, field_name):
    if values[field_name] and not re.match(PHONE_RE, values[field_name]):
        rows.error(number, field_name, _("%(value)s is not a valid phone number.") % {"value": values[field_name]})


def _plan_students(rows):
    classes = dict(Unit.objects.filter(kind="class").values_list("code", "pk"))
    rooms = dict(Unit.objects.filter(kind="dorm_room").values_list("code", "pk"))
    seen, planned = {}, []
    for number, v in rows.rows:
        if not rows.require(number, v):
            continue
        if v["student_no"] in seen:
            rows.error(number, "student_no", _("Student number %(no)s repeats row %(row)d.")
                       % {"no": v["student_no"], "row": seen[v["student_no"]]})
            continue
        seen[v["student_no"]] = number
        if not re.match(r"^[A-Za-z0-9]{4,20}$", v["student_no"]):
            rows.error(number, "student_no", _("%(no)s is not a valid student number.") % {"no": v["student_no"]})
        if v["gender"] not in GENDERS:
            rows.error(number, "gender", _("Gender must be 男 or 女."))
        if v["klass"] not in classes:
            rows.error(number, "klass", _("Unknown class code %(code)s.") % {"code": v["klass"]})
        if v["dorm_room"] and v["dorm_room"] not in rooms:
            rows.error(number, "dorm_room", _("Unknown dormitory room %(code)s.") % {"code": v["dorm_room"]})
        if v["status"] not in STATUSES:
            rows.error(number, "status", _("Status must be 在读, 休学, 退学 or 毕业."))
        _check_phone(rows, number, v, "phone")
        _check_phone(rows, number, v, "guardian_phone")
        planned.append(v)
    if rows.errors:
        return None
    return [dict(student_no=v["student_no"], name=v["name"], gender=GENDERS[v["gender"]],
                 klass_id=classes[v["klass"]], dorm_room_id=rooms.get(v["dorm_room"]), phone=v["phone"],
                 guardian_name=v["guardian_name"], guardian_phone=v["guardian_phone"], status=STATUSES[v["status"]])
            for v in planned]


def _write_students(planned, result):
    fields = ["name", "gender", "klass_id", "dorm_room_id", "phone", "guardian_name", "guardian_phone", "status"]
    existing = {s.student_no: s for s in Student.objects.filter(student_no__in=[p["student_no"] for p in planned])}
    new, changed = [], []
    for p in planned:
        current = existing.get(p["student_no"])
        if current is None:
            new.append(Student(**p))
        elif any(getattr(current, f) != p[f] for f in fields):
            for f in fields:
                setattr(current, f, p[f])
            changed.append(current)
        else:
            result.unchanged += 1
    Student.objects.bulk_create(new, batch_size=2000)
    Student.objects.bulk_update(changed, fields, batch_size=2000)
    result.created, result.updated = len(new), len(changed)


def _plan_units(rows):
    existing = {u.code: u for u in Unit.objects.all().only("code", "kind", "name", "name_en", "function", "parent")}
    in_file = {}
    for number, v in rows.rows:
        if not rows.require(number, v):
            continue
        kind = UNIT_KINDS.get(v["kind"], v["kind"])
        if kind not in PARENT_KINDS:
            rows.error(number, "kind", _("Unknown unit kind %(kind)s.") % {"kind": v["kind"]})
            continue
        if not CODE_RE.match(v["code"]):
            rows.error(number, "code", _("Codes may use letters, digits, '-', '_' and '.' only."))
            continue
        if v["code"] in in_file:
            rows.error(number, "code", _("Unit code %(code)s repeats row %(row)d.") % {"code": v["code"], "row": in_file[v["code"]][0]})
            continue
        in_file[v["code"]] = (number, {**v, "kind": kind})
    kinds = {c: u.kind for c, u in existing.items()} | {c: v["kind"] for c, (_n, v) in in_file.items()}
    for code, (number, v) in in_file.items():
        parent = v["parent"] or None
        if parent is not None and parent not in kinds:
            rows.error(number, "parent", _("Unknown parent unit %(code)s.") % {"code": parent})
        elif kinds.get(parent) not in PARENT_KINDS[v["kind"]]:
            rows.error(number, "parent", _("A %(kind)s cannot be placed under %(parent)s.")
                       % {"kind": v["kind"], "parent": parent or "—"})
    if rows.errors:
        return None
    # Parents first, so every parent exists when its child is saved.
    ordered, placed = [], set(existing)
    pending = dict(in_file)
    while pending:
        ready = [c for c, (_n, v) in pending.items() if not v["parent"] or v["parent"] in placed or v["parent"] not in pending]
        if not ready:
            number = next(iter(pending.values()))[0]
            rows.error(number, "parent", _("The parent units form a loop."))
            return None
        for c in sorted(ready):
            ordered.append(pending.pop(c)[1])
            placed.add(c)
    return ordered


def _write_units(planned, result):
    units = {u.code: u for u in Unit.objects.all()}
    for v in planned:
        parent = units.get(v["parent"]) if v["parent"] else None
        unit = units.get(v["code"])
        values = {"name": v["name"], "kind": v["kind"], "function": v["function"], "name_en": v["name_en"]}
        if unit is None:
            unit = Unit(code=v["code"], parent=parent, **values)
            unit.save()
            units[unit.code] = unit
            result.created += 1
        elif any(getattr(unit, k) != val for k, val in values.items()) or unit.parent_id != (parent.pk if parent else None):
            if unit.parent_id != (parent.pk if parent else None) and unit.children.exists():
                raise ImportFileError(_("Moving unit %(code)s with units under it is not supported by import.")
                                      % {"code": unit.code})
            for k, val in values.items():
                setattr(unit, k, val)
            unit.parent = parent
            unit.save()
            result.updated += 1
        else:
            result.unchanged += 1


def _plan_staff(rows):
    units = dict(Unit.objects.values_list("code", "pk"))
    roles = {r.code: r.pk for r in Role.objects.all()} | {r.name: r.pk for r in Role.objects.all()}
    planned = []
    for number, v in rows.rows:
        if not rows.require(number, v):
            continue
        if v["unit"] not in units:
            rows.error(number, "unit", _("Unknown unit code %(code)s.") % {"code": v["unit"]})
        if v["role"] not in roles:
            rows.error(number, "role", _("Unknown post %(role)s.") % {"role": v["role"]})
        since = _parse_date(v["since"]) if v["since"] else timezone.localdate()
        if since is None:
            rows.error(number, "since", _("%(value)s is not a date (use 2024-09-01).") % {"value": v["since"]})
        if v["email"] and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", v["email"]):
            rows.error(number, "email", _("%(value)s is not an email address.") % {"value": v["email"]})
        _check_phone(rows, number, v, "phone")
        planned.append({**v, "unit_id": units.get(v["unit"]), "role_id": roles.get(v["role"]), "since": since})
    return None if rows.errors else planned


def _write_staff(planned, result):
    from shouwang.accounts.models import User

    people = {u.staff_no: u for u in User.objects.filter(staff_no__in={p["staff_no"] for p in planned})}
    touched = set()
    for p in planned:
        person = people.get(p["staff_no"])
        details = {"full_name": p["full_name"], "phone": p["phone"], "email": p["email"]}
        if person is None:
            person = User(username=p["staff_no"], staff_no=p["staff_no"], **details)
            person.set_unusable_password()
            person.save()
            people[p["staff_no"]] = person
            result.created += 1
            touched.add(p["staff_no"])
        elif any(getattr(person, k) != val for k, val in details.items()):
            for k, val in details.items():
                setattr(person, k, val)
            person.save(update_fields=list(details))
            if p["staff_no"] not in touched:
                result.updated += 1
                touched.add(p["staff_no"])
        if not Post.objects.current().filter(person=person, unit_id=p["unit_id"], role_id=p["role_id"]).exists():
            Post.objects.create(person=person, unit_id=p["unit_id"], role_id=p["role_id"], since=p["since"])
            if p["staff_no"] not in touched:
                result.updated += 1
                touched.add(p["staff_no"])
        elif p["staff_no"] not in touched:
            result.unchanged += 1
            touched.add(p["staff_no"])


PLANS = {"units": (_plan_units, _write_units), "staff": (_plan_staff, _write_staff),
         "students": (_plan_students, _write_students)}


def import_file(*, actor, kind: str, data: bytes, filename: str) -> ImportResult:
    """Check everything, then write everything in one transaction (or nothing). actor=None is the
    operator at the command line."""
    if actor is not None and not can_manage_org(actor):
        raise PermissionDenied
    if kind not in KINDS:
        raise ImportFileError(_("Unknown import kind %(kind)s.") % {"kind": kind})
    result = ImportResult(kind=kind)
    rows = _Rows(kind, data, filename)
    plan, write = PLANS[kind]
    planned = plan(rows)
    if planned is None:
        result.errors = sorted(rows.errors)
        return result
    with transaction.atomic():
        write(planned, result)
        if result.created or result.updated:
            event_record(actor=actor, subject=("org.import", kind), verb="org.imported", data={
                "kind": kind, "filename": filename[:200], "sha256": hashlib.sha256(data).hexdigest(),
                "created": result.created, "updated": result.updated, "unchanged": result.unchanged,
            })
    return result


def template_workbook(kind: str) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = {"units": "单位", "staff": "教职工", "students": "学生"}[kind]
    sheet.append([h for h, _f, _r in COLUMNS[kind]])
    sheet.append(EXAMPLES[kind])
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

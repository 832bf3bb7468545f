"""Reading the files offices really have — .xlsx, or .csv in UTF-8 (with or without BOM) or
GBK — into checked rows, by a spec per kind: each column's Chinese header, field, whether it is
required, and the validator that turns a cell into a value or says, in the reader's language,
why it can't. importing.py decides what the rows mean and writes them.
"""

import csv
import datetime
import io
import re
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field

import openpyxl
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from openpyxl.utils.datetime import from_excel

from .models import PHONE_RE, Student, Unit

KINDS = ("units", "staff", "students")
# Keys per IN (…) lookup: stays under every backend's parameter limit (SQLite's can be 999).
IN_CHUNK = 900

RowError = namedtuple("RowError", "row column message")  # row None = the file as a whole


class ImportFileError(Exception):
    """The file as a whole cannot be read: type, size, encoding, emptiness."""


class Invalid(Exception):
    """One cell's value is wrong; the message says why, in the reader's language."""


# ---- cells ---------------------------------------------------------------------------------

_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_FLOAT_ZERO = re.compile(r"^(\d+)\.0+$")


def _text(value) -> str:
    """Cell → text. Excel stores 学号 and phone numbers typed without a Text format as numbers."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).replace("\u3000", " ").replace("\xa0", " ").strip()


def text(max_length):
    def clean(raw):
        value = _text(raw)
        if len(value) > max_length:
            raise Invalid(_("At most %(n)d characters.") % {"n": max_length})
        return value
    return clean


def identifier(pattern, message):
    """学号, 工号 and unit codes: text even when Excel made a number of it."""
    regex = re.compile(pattern)

    def clean(raw):
        value = _FLOAT_ZERO.sub(r"\1", _text(raw))
        if _SCIENTIFIC.match(value):
            # 2.02401E+09: the digits are gone; only the office can type them again.
            raise Invalid(_("%(value)s was turned into scientific notation by Excel: format the column as "
                            "Text and type the numbers again.") % {"value": value})
        if not regex.match(value):
            raise Invalid(message() % {"value": value})
        return value
    return clean


def phone(raw):
    value = _FLOAT_ZERO.sub(r"\1", _text(raw))
    compact = re.sub(r"[\s()（）]", "", value).removeprefix("+86")
    if re.fullmatch(r"1[\d-]{10,12}", compact):  # 138-0000-0001 is a mobile written with dashes
        compact = compact.replace("-", "")
    if compact and not re.match(PHONE_RE, compact):
        raise Invalid(_("%(value)s is not a valid phone number.") % {"value": value})
    return compact


def email(raw):
    value = text(254)(raw)
    try:
        value and validate_email(value)
    except ValidationError:
        raise Invalid(_("%(value)s is not an email address.") % {"value": value}) from None
    return value


def choice(mapping, message):
    def clean(raw):
        value = _text(raw)
        if value not in mapping and value.lower() not in mapping:
            raise Invalid(message())
        return mapping.get(value) or mapping[value.lower()]
    return clean


def date(raw):
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    if isinstance(raw, int | float) and 20000 < raw < 80000:  # an Excel serial day number
        return from_excel(raw).date()
    value = _text(raw)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"):
        try:
            return datetime.datetime.strptime(value, fmt).date()
        except ValueError:
            pass
    raise Invalid(_("%(value)s is not a date (use 2024-09-01).") % {"value": value})


# ---- what each kind of file holds ----------------------------------------------------------

@dataclass(frozen=True)
class Column:
    header: str
    field: str
    required: bool
    clean: Callable
    example: str = ""
    as_text: bool = False  # the template formats the column as Text so Excel keeps leading digits
    default: object = ""  # for an empty cell in an optional column


UNIT_KINDS = {"学校": "school", "学院": "college", "院系": "college", "年级": "grade", "班级": "class",
              "宿舍楼": "dorm_building", "宿舍": "dorm_room", "宿舍房间": "dorm_room", "职能部门": "office",
              **{k: k for k in Unit.Kind.values}}
PARENT_KINDS = {"school": {None}, "college": {"school"}, "office": {"school"}, "dorm_building": {"school"},
                "grade": {"college"}, "class": {"grade", "college"}, "dorm_room": {"dorm_building"}}
FUNCTIONS = {"学生工作": "student_affairs", "学生处": "student_affairs", "保卫": "security", "保卫处": "security",
             "心理": "psych", "心理中心": "psych", "宣传": "publicity", "宣传部": "publicity", "教务": "academic",
             "教务处": "academic", "后勤": "logistics", "后勤处": "logistics", "网络": "network", "网络中心": "network",
             **{k: k for k in ("student_affairs", "security", "psych", "publicity", "academic", "logistics", "network")}}
GENDERS = {"男": "M", "女": "F", "男性": "M", "女性": "F", "m": "M", "f": "F"}
STATUSES = {"在读": "enrolled", "休学": "suspended", "退学": "withdrawn", "毕业": "graduated",
            **{k: k for k in Student.Status.values}}
CODE = r"^[A-Za-z0-9_.\-]{1,40}$"

SPECS = {
    "units": [
        Column("单位代码", "code", True, identifier(CODE, lambda: _("%(value)s is not a valid code: use letters, digits, '-', '_' and '.'.")), "C01-2024-1", True),
        Column("单位名称", "name", True, text(100), "计科2024-1班"),
        Column("单位类型", "kind", True, choice(UNIT_KINDS, lambda: _("Unit kind must be one of 学校, 学院, 年级, 班级, 宿舍楼, 宿舍, 职能部门.")), "班级"),
        Column("上级单位代码", "parent", False, identifier(r"^$|" + CODE, lambda: _("%(value)s is not a valid code: use letters, digits, '-', '_' and '.'.")), "C01-2024", True),
        Column("职能", "function", False, choice(FUNCTIONS, lambda: _("Unknown office function: use 学生处, 保卫处, 心理中心, 宣传部, 教务处, 后勤处, 网络中心 (or student_affairs, security, psych, publicity, academic, logistics, network).")), ""),
        Column("英文名称", "name_en", False, text(100), ""),
    ],
    "staff": [
        Column("工号", "staff_no", True, identifier(CODE, lambda: _("%(value)s is not a valid staff number.")), "T0001", True),
        Column("姓名", "full_name", True, text(100), "张老师"),
        Column("手机", "phone", False, phone, "13800000000", True),
        Column("邮箱", "email", False, email, "zhang@example.edu.cn"),
        Column("岗位", "role", True, text(60), "辅导员"),
        Column("单位代码", "unit", True, identifier(CODE, lambda: _("%(value)s is not a valid code: use letters, digits, '-', '_' and '.'.")), "C01-2024-1", True),
        Column("任职开始日期", "since", False, date, "2024-09-01", default=None),
    ],
    "students": [
        Column("学号", "student_no", True, identifier(r"^[A-Za-z0-9]{4,20}$", lambda: _("%(value)s is not a valid student number.")), "2024010101", True),
        Column("姓名", "name", True, text(50), "张三"),
        Column("性别", "gender", True, choice(GENDERS, lambda: _("Gender must be 男 or 女.")), "男"),
        Column("班级代码", "klass", True, text(40), "C01-2024-1", True),
        Column("宿舍", "dorm_room", False, text(40), "D01-101", True),
        Column("手机", "phone", False, phone, "13800000001", True),
        Column("监护人姓名", "guardian_name", False, text(50), "张父"),
        Column("监护人电话", "guardian_phone", False, phone, "13900000001", True),
        Column("状态", "status", False, choice(STATUSES, lambda: _("Status must be 在读, 休学, 退学 or 毕业.")), "在读", default="enrolled"),
    ],
}
HEADERS = {kind: {c.field: c.header for c in spec} for kind, spec in SPECS.items()}
SHEET_TITLES = {"units": "单位", "staff": "教职工", "students": "学生"}


# ---- reading files -------------------------------------------------------------------------

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc, and password-protected .xlsx


def _unsupported():
    return ImportFileError(_("Unsupported file type: upload an .xlsx workbook or a .csv file."))


def read_bytes(data) -> bytes:
    """bytes or a binary file (an upload, an open file): the size is checked before reading."""
    limit = settings.IMPORT_MAX_BYTES
    if isinstance(data, bytes | bytearray):
        size = len(data)
    else:
        size = getattr(data, "size", None)
        if size is None:
            size = data.seek(0, io.SEEK_END)
            data.seek(0)
    if size > limit:
        raise ImportFileError(_("The file is larger than %(mb)d MB.") % {"mb": limit // 2**20})
    return bytes(data) if isinstance(data, bytes | bytearray) else data.read()


def read_rows(data: bytes, filename: str):
    """Yield each row's cell values, row 1 first. The type comes from the content, not the name."""
    if data.startswith(b"PK\x03\x04"):
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            sheet = book.worksheets[0]
        except Exception:  # a .docx, a plain .zip, a damaged file: openpyxl raises many kinds
            raise _unsupported() from None
        # Other programs write wrong sheet dimensions; without this, rows past them would be lost.
        sheet.reset_dimensions()
        try:
            yield from sheet.iter_rows(values_only=True)
        except Exception:  # the sheet's XML is damaged: the zip opened but its content can't be read
            raise ImportFileError(_("The file is not a readable .xlsx workbook.")) from None
        finally:
            book.close()
        return
    if data.startswith(OLE2):
        raise ImportFileError(_("Unsupported file type: this is an old .xls workbook, a password-protected "
                                "workbook or a Word document. In Excel, save it as .xlsx or .csv."))
    if not filename.lower().endswith((".csv", ".txt")) or b"\x00" in data[:4096]:
        raise _unsupported()
    for encoding in ("utf-8-sig", "gb18030"):  # gb18030 reads every GBK file, and a little more
        try:
            content = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("The CSV file is neither UTF-8 nor GBK."))
    first_line = content.split("\n", 1)[0]
    yield from csv.reader(io.StringIO(content, newline=""), delimiter=max(",\t;", key=first_line.count))


def _header(value) -> str:
    # Templates elsewhere mark required columns "学号*" or "学号（必填）"; the name is what counts.
    return re.sub(r"[\s*＊]|[（(][必选]填[)）]", "", _text(value))


@dataclass
class Row:
    number: int
    v: dict
    bad: set = field(default_factory=set)  # fields whose cell was wrong: no further checks on them


def parse(kind, data, filename, errors):
    """→ (rows, fields present in the file), or None after recording why the file can't be read."""
    spec, header_at, index, rows = SPECS[kind], None, {}, []
    for number, values in enumerate(read_rows(data, filename), start=1):
        if header_at is None:
            headers = [_header(v) for v in values]
            if not any(headers):
                continue  # blank lines above the header
            header_at = number
            for c in spec:
                found = [i for i, h in enumerate(headers) if h in (c.header, c.field)]
                if found:
                    index[c.field] = found[0]
            missing = [c.header for c in spec if c.required and c.field not in index]
            if missing:
                errors.append(RowError(number, "、".join(missing),
                                       _("Missing column(s): %(cols)s") % {"cols": "、".join(missing)}))
                return None
            continue
        raw = {f: values[i] if i < len(values) else None for f, i in index.items()}
        if not any(_text(v) for v in raw.values()):
            continue
        row = Row(number, {})
        for c in spec:
            cell = raw.get(c.field)
            if not _text(cell):
                if c.required:
                    errors.append(RowError(number, c.header, _("This cell must not be empty.")))
                    row.bad.add(c.field)
                row.v[c.field] = c.default
                continue
            try:
                row.v[c.field] = c.clean(cell)
            except Invalid as exc:
                errors.append(RowError(number, c.header, str(exc)))
                row.bad.add(c.field)
                row.v[c.field] = None
        rows.append(row)
    if header_at is None:
        raise ImportFileError(_("The file is empty."))
    if not rows:
        errors.append(RowError(header_at + 1, "", _("The file has a header row but no data rows.")))
        return None
    return rows, set(index)


def values_in(queryset, field_name, keys, *columns):
    keys = list(keys)
    for i in range(0, len(keys), IN_CHUNK):
        yield from queryset.filter(**{f"{field_name}__in": keys[i:i + IN_CHUNK]}).values_list(*columns)

"""What an attendance or grades file holds (its spec) and what its rows mean (the planners).

All or nothing, as the org import: every row is checked first; any error means nothing is
written, and each error names its row, column (Chinese header) and problem. Keys: (学号, 日期,
课程) for attendance, (学号, 学期, 课程) for grades; a row for a key already stored updates it,
so importing the same file twice changes nothing. The API batch is checked by the same specs.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.org.models import Student
from shouwang.sheets import (
    Column,
    Errors,
    ImportResult,
    Invalid,
    Row,
    cell_text,
    choice,
    date,
    identifier,
    number,
    read_table,
    text,
    values_in,
)

from .models import Attendance, Grade

BATCH = 1000
STUDENT_NO = identifier(r"^[A-Za-z0-9]{1,20}$", lambda: _("%(value)s is not a student number."))
STATUSES = {
    "出勤": "present",
    "到课": "present",
    "缺勤": "absent",
    "旷课": "absent",
    "请假": "leave",
    "迟到": "late",
    **{k: k for k in Attendance.Status.values},
}
PASSED = {
    "是": True,
    "通过": True,
    "及格": True,
    "合格": True,
    "yes": True,
    "否": False,
    "未通过": False,
    "不通过": False,
    "不及格": False,
    "不合格": False,
    "no": False,
}
TERM = identifier(r"^\d{4}-\d{4}-[1-3]$", lambda: _("%(value)s is not a term (use 2025-2026-1)."))
PASS_MARK = Decimal("60")

SPECS = {
    "attendance": [
        Column("学号", "student_no", True, STUDENT_NO, "2024010101", True),
        Column("日期", "date", True, date, "2026-11-23", aliases=("考勤日期",)),
        Column(
            "课程", "course", True, text(100), "高等数学 第1-2节", aliases=("课程/节次", "节次")
        ),
        Column(
            "考勤状态",
            "status",
            True,
            choice(STATUSES, lambda: _("Status must be one of 出勤, 缺勤, 请假, 迟到.")),
            "缺勤",
            aliases=("状态",),
        ),
    ],
    "grades": [
        Column("学号", "student_no", True, STUDENT_NO, "2024010101", True),
        Column("学期", "term", True, TERM, "2025-2026-1"),
        Column("课程", "course", True, text(100), "高等数学A", aliases=("课程名称",)),
        Column("学分", "credits", True, number(0, 30), "4"),
        Column(
            "是否通过",
            "passed",
            False,
            choice(PASSED, lambda: _("Passed must be 是 or 否 (or leave it empty).")),
            "否",
            default=None,
        ),
        Column("成绩", "score", False, number(0, 100), "52", default=None),
    ],
}


@dataclass
class Plan:
    count: int
    write: Callable[[], None]


def _students(rows, error) -> dict[str, int]:
    nos = {r.v["student_no"] for r in rows if "student_no" not in r.bad}
    known = dict(values_in(Student.objects, "student_no", nos, "student_no", "pk"))
    for row in rows:
        no = row.v["student_no"]
        if "student_no" not in row.bad and no not in known:
            error(row, "student_no", _("Unknown student number %(no)s.") % {"no": no})
    return known


def _repeats(rows, error, key, field):
    seen: dict = {}
    for row in rows:
        if row.bad:
            continue
        k = key(row.v)
        if k in seen:
            error(row, field, _("This row repeats row %(row)d.") % {"row": seen[k]})
        else:
            seen[k] = row.number


def plan_attendance(rows, error, result: ImportResult) -> Callable[[], None]:
    known = _students(rows, error)
    today = timezone.localdate()
    for row in rows:
        day = row.v["date"]
        if "date" in row.bad:
            continue
        if day.year < 2000:
            error(row, "date", _("%(value)s is before 2000.") % {"value": day.isoformat()})
        elif day > today:
            error(row, "date", _("%(value)s is in the future.") % {"value": day.isoformat()})
    _repeats(rows, error, lambda v: (v["student_no"], v["date"], v["course"]), "course")

    def write():
        planned = {
            (known[r.v["student_no"]], r.v["date"], r.v["course"]): r.v["status"] for r in rows
        }
        dates = [k[1] for k in planned]
        existing = {
            (s, d, c): (pk, st)
            for pk, s, d, c, st in values_in(
                Attendance.objects.filter(date__gte=min(dates), date__lte=max(dates)),
                "student_id",
                {k[0] for k in planned},
                "pk",
                "student_id",
                "date",
                "course",
                "status",
            )
        }
        new, changed = [], []
        for (s, d, c), status in planned.items():
            old = existing.get((s, d, c))
            if old is None:
                new.append(Attendance(student_id=s, date=d, course=c, status=status))
            elif old[1] != status:
                changed.append(Attendance(pk=old[0], status=status))
        Attendance.objects.bulk_create(new, batch_size=BATCH)
        Attendance.objects.bulk_update(changed, ["status"], batch_size=BATCH)
        result.created, result.updated = len(new), len(changed)
        result.unchanged = len(planned) - len(new) - len(changed)

    return write


def plan_grades(rows, error, result: ImportResult) -> Callable[[], None]:
    known = _students(rows, error)
    for row in rows:
        v = row.v
        if "passed" in row.bad or "score" in row.bad:
            continue
        if v["passed"] is None and v["score"] is None:
            error(row, "passed", _("Give 是否通过 or 成绩 (a score of 60 or more passes)."))
        elif v["passed"] is None:
            v["passed"] = v["score"] >= PASS_MARK
    _repeats(rows, error, lambda v: (v["student_no"], v["term"], v["course"]), "course")

    def write():
        planned = {
            (known[r.v["student_no"]], r.v["term"], r.v["course"]): (
                Decimal(r.v["credits"]),
                r.v["passed"],
                None if r.v["score"] is None else Decimal(r.v["score"]),
            )
            for r in rows
        }
        existing = {
            (s, t, c): (pk, (cr, p, sc))
            for pk, s, t, c, cr, p, sc in values_in(
                Grade.objects,
                "student_id",
                {k[0] for k in planned},
                "pk",
                "student_id",
                "term",
                "course",
                "credits",
                "passed",
                "score",
            )
        }
        new, changed = [], []
        for (s, t, c), (credits, passed, score) in planned.items():
            old = existing.get((s, t, c))
            values = {"credits": credits, "passed": passed, "score": score}
            if old is None:
                new.append(Grade(student_id=s, term=t, course=c, **values))
            elif old[1] != (credits, passed, score):
                changed.append(Grade(pk=old[0], **values))
        Grade.objects.bulk_create(new, batch_size=BATCH)
        Grade.objects.bulk_update(changed, ["credits", "passed", "score"], batch_size=BATCH)
        result.created, result.updated = len(new), len(changed)
        result.unchanged = len(planned) - len(new) - len(changed)

    return write


PLANNERS = {"attendance": plan_attendance, "grades": plan_grades}


def check_file(
    kind: str, data, filename: str, progress: Callable[[int], None] = lambda p: None
) -> tuple[ImportResult, Callable | None, list]:
    """→ (result, write or None when there are errors, student ids the file names).
    `progress(percent)` is told when the file is read (30) and checked (50)."""
    result = ImportResult(kind=kind, filename=filename)
    errors = Errors(SPECS[kind], result.errors)
    table = read_table(SPECS[kind], data, filename, errors)
    progress(30)
    checked = _finish(kind, table.rows if table else None, errors, result)
    progress(50)
    return checked


def check_records(kind: str, records: list[dict]) -> tuple[ImportResult, Callable | None, list]:
    """An API batch: each record a dict of the spec's fields (or its Chinese headers), numbered
    from 1, checked by the same cell parsers as a file's rows."""
    spec = SPECS[kind]
    result = ImportResult(kind=kind, filename="api")
    errors = Errors(spec, result.errors)
    rows = []
    for index, record in enumerate(records, start=1):
        row = Row(index, {})
        for c in spec:
            raw = next((record[n] for n in c.names if n in record), None)
            if not cell_text(raw):
                if c.required:
                    errors.cell(row, c.field, _("This cell must not be empty."))
                row.v[c.field] = c.default
                continue
            try:
                row.v[c.field] = c.clean(raw)
            except Invalid as exc:
                errors.cell(row, c.field, str(exc))
                row.v[c.field] = None
        rows.append(row)
    if not rows:
        errors.file(_("The batch has no rows."))
    return _finish(kind, rows or None, errors, result)


def _finish(kind, rows, errors, result):
    write = PLANNERS[kind](rows, errors.cell, result) if rows else None
    if errors:
        errors.sort()
        return result, None, []
    nos = {r.v["student_no"] for r in rows}
    ids = [pk for _no, pk in values_in(Student.objects, "student_no", nos, "student_no", "pk")]
    return result, write, ids

"""Imports from real .xlsx and .csv files built here: all or nothing, every error located.

Messages are checked loosely (the value appears, or the Chinese/English wording): the active
language is zh-hans and the catalogue may not hold every new string yet."""

import csv
import datetime
import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from shouwang.accounts.models import User
from shouwang.audit.models import Event
from shouwang.org.importing import KINDS, SPECS, import_file, template_csv, template_workbook
from shouwang.org.models import Post, Student, Unit

HEADERS = {kind: [c.header for c in spec] for kind, spec in SPECS.items()}


def xlsx(headers, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(headers, rows, encoding="utf-8", delimiter=","):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def student(no, name="新生", gender="男", klass="C01-2024-1", room="D01-101", phone="13700000000"):
    return [no, name, gender, klass, room, phone, "家长", "13600000000", "在读"]


def run(kind, data, filename="f.xlsx", actor=None):
    return import_file(actor=actor, kind=kind, data=data, filename=filename)


def located(result):
    return [(e.row, e.column) for e in result.errors]


def counts():
    return (
        Student.objects.count(),
        Unit.objects.count(),
        User.objects.count(),
        Post.objects.count(),
        Event.objects.count(),
    )


def snapshot():
    return (
        list(Student.objects.values()),
        list(Unit.objects.values()),
        list(User.objects.values()),
        list(Post.objects.values()),
        Event.objects.count(),
    )


@pytest.fixture
def nothing_written(school):
    before = snapshot()
    yield
    assert snapshot() == before


# ---- happy paths ---------------------------------------------------------------------------


def test_students_from_xlsx_then_idempotent_then_updated(school):
    data = xlsx(
        HEADERS["students"],
        [student("2024010103", "赵六"), student("2024010104", "钱七", "女", room="D01-102")],
    )
    result = run("students", data, "学生.xlsx", actor=school.chen)
    assert (result.ok, result.created, result.updated, result.unchanged) == (True, 2, 0, 0)
    assert Student.objects.get(student_no="2024010104").dorm_room == school.r102
    event = Event.objects.order_by("seq").last()
    assert (event.verb, event.subject_type, event.subject_id, event.actor) == (
        "org.imported",
        "org.import",
        "students",
        school.chen,
    )
    assert (
        event.data["created"] == 2
        and event.data["filename"] == "学生.xlsx"
        and len(event.data["sha256"]) == 64
    )

    before = snapshot()
    again = run("students", data, actor=school.chen)
    assert (again.ok, again.created, again.updated, again.unchanged) == (True, 0, 0, 2)
    assert snapshot() == before, "re-importing the same file changes nothing and writes no event"

    changed = xlsx(
        HEADERS["students"],
        [student("2024010103", "赵六", phone="13711111111"), student("2024010101", "张三")],
    )
    result = run("students", changed, actor=school.chen)
    assert (result.created, result.updated, result.unchanged) == (0, 2, 0)
    assert Student.objects.get(student_no="2024010103").phone == "13711111111"
    zhangsan = Student.objects.get(student_no="2024010101")
    assert (zhangsan.phone, zhangsan.guardian_name) == ("13700000000", "家长")
    assert Event.objects.order_by("seq").last().data["updated"] == 2


def test_a_column_left_out_is_left_alone(school):
    headers = ["学号", "姓名", "性别", "班级代码"]
    result = run("students", xlsx(headers, [["2024010101", "张三", "男", "C01-2024-2"]]))
    assert (result.updated, result.ok) == (1, True)
    zhangsan = Student.objects.get(student_no="2024010101")
    assert (zhangsan.klass, zhangsan.dorm_room, zhangsan.phone) == (
        school.class_b,
        school.r101,
        "13800000001",
    )


def test_numbers_excel_made_of_student_and_phone_numbers_become_text(school):
    rows = [
        [2024010105, "孙八", "男", "C01-2024-1", "", 13700000001.0, "", "", ""],
        [2024010106.0, "周九", "女", "C01-2024-1", "", "13700000002.0", "", "138-0000-0003", ""],
    ]
    result = run("students", xlsx(HEADERS["students"], rows))
    assert result.ok, result.errors
    assert Student.objects.get(student_no="2024010105").phone == "13700000001"
    assert Student.objects.get(student_no="2024010106").guardian_phone == "13800000003"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_students_from_csv_in_utf8_and_gbk(school, encoding):
    data = csv_bytes(HEADERS["students"], [student("2024010106", "周九")], encoding)
    result = run("students", data, "学生.csv")
    assert result.ok, result.errors
    assert Student.objects.get(student_no="2024010106").name == "周九"


def test_headers_in_any_order_with_extra_columns_marks_and_tab_separation(school):
    headers = ["备注", "班级代码*", "性别", "姓名", " 学号（必填）"]
    data = csv_bytes(headers, [["转专业", "C01-2024-2", "女", "吴十", "2024010107"]], "gbk", "\t")
    result = run("students", data, "list.csv")
    assert result.ok, result.errors
    assert Student.objects.get(student_no="2024010107").klass == school.class_b


def test_units_parents_first_idempotent_then_updated(school):
    rows = [
        ["C02-2024-1", "机械2024-1班", "班级", "C02-2024", "", ""],
        ["C02", "机械工程学院", "college", "SCH", "", "School of Mechanical Engineering"],
        ["C02-2024", "2024级", "年级", "C02", "", ""],
        ["BWC", "保卫处", "职能部门", "SCH", "保卫处", ""],
    ]
    result = run("units", xlsx(HEADERS["units"], rows))
    assert (result.ok, result.created) == (True, 4), result.errors
    assert Unit.objects.get(code="C02-2024-1").path == "/SCH/C02/C02-2024/C02-2024-1/"
    assert Unit.objects.get(code="C02-2024-1").depth == 3
    assert Unit.objects.get(code="BWC").function == "security"
    before = snapshot()
    again = run("units", xlsx(HEADERS["units"], rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert snapshot() == before
    rows[0] = [
        "C02-2024-1",
        "机械2024-1班（卓越）",
        "班级",
        "C02",
        "",
        "",
    ]  # renamed, moved under the college
    result = run("units", xlsx(HEADERS["units"], rows))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    moved = Unit.objects.get(code="C02-2024-1")
    assert (moved.name, moved.parent.code, moved.path) == (
        "机械2024-1班（卓越）",
        "C02",
        "/SCH/C02/C02-2024-1/",
    )


def test_staff_creates_people_and_posts_once_then_updates(school):
    rows = [
        [
            "T0100",
            "吴老师",
            "13500000000",
            "wu@example.edu.cn",
            "班主任",
            "C01-2024-2",
            datetime.datetime(2024, 9, 1),
        ],
        ["T0100", "吴老师", "", "", "safety_officer", "C01-2024-2", "2024/09/02"],
        ["T0003", "张老师", "13500000003", "", "辅导员", "C01-2024-1", ""],
    ]
    result = run("staff", xlsx(HEADERS["staff"], rows))
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (2, 1, 0)
    wu = User.objects.get(staff_no="T0100")
    assert (wu.username, wu.full_name, wu.phone, wu.has_usable_password()) == (
        "T0100",
        "吴老师",
        "13500000000",
        False,
    )
    assert sorted(wu.posts.values_list("role__code", "since")) == [
        ("class_teacher", datetime.date(2024, 9, 1)),
        ("safety_officer", datetime.date(2024, 9, 2)),
    ]
    assert User.objects.get(staff_no="T0003").phone == "13500000003"
    assert Post.objects.filter(person=school.zhang).count() == 1, "zhang already holds that post"
    before = snapshot()
    again = run("staff", xlsx(HEADERS["staff"], rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert snapshot() == before


# ---- every error: row and column located, nothing written ----------------------------------


def test_duplicate_student_number_in_file(nothing_written, school):
    data = xlsx(
        HEADERS["students"], [student("2024010107"), student("2024010108"), student("2024010107")]
    )
    result = run("students", data)
    assert located(result) == [(4, "学号")]
    assert "2024010107" in result.errors[0].message and "2" in result.errors[0].message


def test_unknown_class(nothing_written, school):
    result = run("students", xlsx(HEADERS["students"], [student("2024010109", klass="NOPE")]))
    assert located(result) == [(2, "班级代码")]
    assert "NOPE" in result.errors[0].message


def test_malformed_phone(nothing_written, school):
    result = run("students", xlsx(HEADERS["students"], [student("2024010110", phone="12345")]))
    assert located(result) == [(2, "手机")]
    assert "12345" in result.errors[0].message


def test_missing_column(nothing_written, school):
    headers = [h for h in HEADERS["students"] if h not in ("班级代码", "性别")]
    result = run("students", xlsx(headers, [["2024010111", "甲"]]))
    assert located(result) == [(1, "性别、班级代码")]
    assert "班级代码" in result.errors[0].message


def _zip(name):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(name, "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    "data, name",
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "photo.xlsx"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "photo.csv"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls"),
        (b"<html><table><tr><td>\xe5\xad\xa6\xe5\x8f\xb7</td></tr></table></html>", "export.xls"),
        (b"PK\x03\x04 not really a workbook", "broken.xlsx"),
        (_zip("word/document.xml"), "letter.docx"),
        (bytes(range(256)) * 4, "random.csv"),
    ],
)
def test_wrong_file_type(nothing_written, school, data, name):
    result = run("students", data, name)
    assert located(result) == [(None, "")]
    assert (
        "不支持的文件类型" in result.errors[0].message
        or "Unsupported file type" in result.errors[0].message
    )


def test_file_over_the_size_limit(nothing_written, school, settings):
    settings.IMPORT_MAX_BYTES = 1000
    data = csv_bytes(HEADERS["students"], [student(f"20240102{i:02d}") for i in range(40)])
    result = run("students", io.BytesIO(data), "big.csv")
    assert located(result) == [(None, "")] and "MB" in result.errors[0].message


def test_one_bad_row_among_many_good_rows_writes_nothing(nothing_written, school):
    rows = [student(f"2024019{i:03d}") for i in range(300)]
    rows[157] = student("2024019157", gender="未知")
    assert located(run("students", xlsx(HEADERS["students"], rows))) == [(159, "性别")]


def test_every_error_is_listed_in_row_and_column_order(nothing_written, school):
    rows = [
        student("2024010112", klass="NOPE", phone="1"),
        student("x", gender="?"),
        ["2.02401E+09", "甲", "男", "C01-2024-1"],
    ]
    result = run("students", csv_bytes(HEADERS["students"], rows), "d.csv")
    assert located(result) == [(2, "班级代码"), (2, "手机"), (3, "学号"), (3, "性别"), (4, "学号")]
    assert "E+09" in result.errors[-1].message.upper()


def test_empty_required_cell(nothing_written, school):
    result = run("students", xlsx(HEADERS["students"], [["2024010113", "", "男", "C01-2024-1"]]))
    assert located(result) == [(2, "姓名")]


@pytest.mark.parametrize(
    "row, where",
    [
        (["C03", "理学院", "学院", "NOPE", "", ""], (2, "上级单位代码")),
        (
            ["C03-1", "数学1班", "班级", "D01-101", "", ""],
            (2, "上级单位代码"),
        ),  # a class in a dorm room
        (["SCH2", "分校", "学校", "SCH", "", ""], (2, "上级单位代码")),
        (["C03", "理学院", "学院", "", "", ""], (2, "上级单位代码")),
        (["C03", "理学院", "系", "SCH", "", ""], (2, "单位类型")),
        (["C 03", "理学院", "学院", "SCH", "", ""], (2, "单位代码")),
        (["C01-2024", "2024级", "年级", "C01-2024-1", "", ""], (2, "上级单位代码")),
        (["C01", "计算机学院", "学院", "SCH", "finance", ""], (2, "职能")),
        (
            ["C01-2024-1", "计科1班", "宿舍", "D01", "", ""],
            (2, "单位类型"),
        ),  # a class with students
    ],
)
def test_unit_errors(nothing_written, school, row, where):
    result = run("units", xlsx(HEADERS["units"], [row]))
    assert located(result) == [where], result.errors


def test_a_unit_with_units_under_it_is_not_moved(nothing_written, school):
    result = run(
        "units",
        xlsx(
            HEADERS["units"],
            [
                ["C01-2024", "2024级", "年级", "C02", "", ""],
                ["C02", "机械工程学院", "学院", "SCH", "", ""],
            ],
        ),
    )
    assert located(result) == [(2, "上级单位代码")] and "C01-2024" in result.errors[0].message


@pytest.mark.parametrize(
    "row, where",
    [
        (["T0200", "郑老师", "", "", "校长", "C01", ""], (2, "岗位")),
        (["T0200", "郑老师", "", "", "辅导员", "NOPE", ""], (2, "单位代码")),
        (["T0200", "郑老师", "", "not-an-email", "辅导员", "C01", ""], (2, "邮箱")),
        (["T0200", "郑老师", "", "", "辅导员", "C01", "next week"], (2, "任职开始日期")),
        (
            ["nobody", "重名", "", "", "辅导员", "C01", ""],
            (2, "工号"),
        ),  # the user name is another account's
    ],
)
def test_staff_errors(nothing_written, school, row, where):
    result = run("staff", xlsx(HEADERS["staff"], [row]))
    assert located(result) == [where], result.errors


def test_staff_rows_for_one_person_must_agree(nothing_written, school):
    rows = [
        ["T0200", "郑老师", "13500000000", "", "辅导员", "C01-2024-1", ""],
        ["T0200", "郑老师", "13500000009", "", "班主任", "C01-2024-1", ""],
        ["T0200", "郑老师", "", "", "辅导员", "C01-2024-1", ""],
    ]
    result = run("staff", xlsx(HEADERS["staff"], rows))
    assert located(result) == [(3, "手机"), (4, "岗位")]


GOOD_ROWS = {
    "units": ["C03", "理学院", "学院", "SCH", "security", "College of Science"],
    "staff": [
        "T0200",
        "郑老师",
        "13500000000",
        "zheng@example.edu.cn",
        "辅导员",
        "C01",
        "2024-09-01",
    ],
    "students": student("2024010119"),
}


@pytest.mark.parametrize("kind", KINDS)
def test_the_good_rows_below_do_import(school, kind):
    result = run(kind, xlsx(HEADERS[kind], [GOOD_ROWS[kind]]))
    assert (result.ok, result.created) == (True, 1), result.errors


def test_after_an_import_postgresql_plans_with_the_new_row_counts(
    school, django_capture_on_commit_callbacks
):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("planner statistics are refreshed on PostgreSQL only")
    rows = [student(f"20249902{i:02d}") for i in range(30)]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert run("students", xlsx(HEADERS["students"], rows)).created == 30
    assert len(callbacks) == 1  # ANALYZE runs once the import has committed
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'org_student'")
        assert cursor.fetchone()[0] == Student.objects.count()


@pytest.mark.parametrize(
    "kind, column", [(k, i) for k, spec in SPECS.items() for i in range(len(spec))]
)
def test_a_bad_value_in_any_column_is_located(nothing_written, school, kind, column):
    row = list(GOOD_ROWS[kind])
    row[column] = "X" * 300
    result = run(kind, xlsx(HEADERS[kind], [row]))
    assert located(result) == [(2, HEADERS[kind][column])], result.errors


def test_only_those_who_manage_the_organisation_may_import(nothing_written, school):
    with pytest.raises(PermissionDenied):
        run("students", xlsx(HEADERS["students"], [student("2024010114")]), actor=school.zhang)


# ---- templates, command line, upload page --------------------------------------------------


@pytest.mark.parametrize("kind", ["units", "students"])
def test_templates_carry_the_headers_and_their_example_is_our_school(school, kind):
    book = openpyxl.load_workbook(io.BytesIO(template_workbook(kind)))
    assert [c.value for c in book.active[1]] == HEADERS[kind]
    before = snapshot()
    for data, name in [(template_workbook(kind), "t.xlsx"), (template_csv(kind), "t.csv")]:
        result = run(kind, data, name)
        assert (result.ok, result.unchanged) == (True, 1), result.errors
    assert snapshot() == before


def test_cli_imports_and_fails_loudly(school, tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(HEADERS["students"], [student("2024010115")]))
    call_command("import_org", "students", str(good))
    out = capsys.readouterr().out
    assert "1" in out and ("新增" in out or "new" in out)
    assert Student.objects.filter(student_no="2024010115").exists()
    bad = tmp_path / "bad.csv"
    bad.write_bytes(
        csv_bytes(HEADERS["students"], [student("2024010116", klass="NOPE"), student("2024010116")])
    )
    before = snapshot()
    with pytest.raises(CommandError, match="2"):
        call_command("import_org", "students", str(bad))
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "班级代码" in err[0] and "NOPE" in err[0] and "学号" in err[1]
    assert snapshot() == before


def test_cli_writes_templates(tmp_path, capsys):
    call_command("import_template", "students", str(tmp_path / "s.xlsx"))
    call_command("import_template", "staff", str(tmp_path / "s.csv"))
    assert (tmp_path / "s.xlsx").read_bytes().startswith(b"PK\x03\x04")
    assert (tmp_path / "s.csv").read_bytes().decode("utf-8-sig").startswith("工号,姓名")


def test_upload_page_for_student_affairs_only(school, settings):
    chen, zhang = Client(), Client()
    chen.force_login(school.chen)
    zhang.force_login(school.zhang)
    assert zhang.get("/import/").status_code == 403
    assert zhang.get("/import/template/students.xlsx").status_code == 403
    assert chen.get("/import/").status_code == 200

    upload = io.BytesIO(xlsx(HEADERS["students"], [student("2024010117", klass="NOPE")]))
    upload.name = "bad.xlsx"
    response = chen.post("/import/", {"kind": "students", "file": upload})
    page = response.content.decode()
    assert response.status_code == 400 and "NOPE" in page and "<td>2</td><td>班级代码</td>" in page
    assert not Student.objects.filter(student_no="2024010117").exists()

    upload = io.BytesIO(xlsx(HEADERS["students"], [student("2024010117")]))
    upload.name = "good.xlsx"
    response = chen.post("/import/", {"kind": "students", "file": upload})
    assert response.status_code == 200 and Student.objects.filter(student_no="2024010117").exists()

    settings.IMPORT_MAX_BYTES = 100
    upload = io.BytesIO(xlsx(HEADERS["students"], [student("2024010118")]))
    upload.name = "big.xlsx"
    assert chen.post("/import/", {"kind": "students", "file": upload}).status_code == 400
    assert not Student.objects.filter(student_no="2024010118").exists()

    template = chen.get("/import/template/students.xlsx")
    assert template.status_code == 200 and template.content.startswith(b"PK\x03\x04")
    template = chen.get("/import/template/units.xlsx?format=csv")
    assert (
        template["Content-Type"].startswith("text/csv") and "单位代码".encode() in template.content
    )

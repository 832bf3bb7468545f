"""Imports from real .xlsx and .csv files built here: all or nothing, every error located."""

import csv
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from shouwang.accounts.models import User
from shouwang.audit.models import Event
from shouwang.org.importing import COLUMNS, ImportFileError, import_file, template_workbook
from shouwang.org.models import Post, Student, Unit

STUDENT_HEADERS = [h for h, _f, _r in COLUMNS["students"]]


def xlsx(headers, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(headers, rows, encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def student(no, name="新生", gender="男", klass="C01-2024-1", room="D01-101", phone="13700000000"):
    return [no, name, gender, klass, room, phone, "家长", "13600000000", "在读"]


def counts():
    return (Student.objects.count(), Unit.objects.count(), User.objects.count(), Post.objects.count(),
            Event.objects.count())


@pytest.fixture
def nothing_written(school):
    before = counts()
    yield
    assert counts() == before


def test_students_from_xlsx_then_idempotent_then_updated(school):
    data = xlsx(STUDENT_HEADERS, [student("2024010103", "赵六"), student("2024010104", "钱七", "女", room="D01-102")])
    result = import_file(actor=school.chen, kind="students", data=data, filename="学生.xlsx")
    assert (result.ok, result.created, result.updated) == (True, 2, 0)
    assert Student.objects.get(student_no="2024010104").dorm_room == school.r102
    events = Event.objects.count()
    again = import_file(actor=school.chen, kind="students", data=data, filename="学生.xlsx")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Event.objects.count() == events, "an import that changes nothing writes no event"
    changed = xlsx(STUDENT_HEADERS, [student("2024010103", "赵六", phone="13711111111")])
    assert import_file(actor=school.chen, kind="students", data=changed, filename="x.xlsx").updated == 1
    assert Student.objects.get(student_no="2024010103").phone == "13711111111"
    event = Event.objects.order_by("seq").last()
    assert event.verb == "org.imported" and event.data["updated"] == 1 and event.actor == school.chen


def test_numbers_typed_into_excel_become_text(school):
    data = xlsx(STUDENT_HEADERS, [[2024010105, "孙八", "男", "C01-2024-1", "", 13700000001.0, "", "", ""]])
    result = import_file(actor=None, kind="students", data=data, filename="n.xlsx")
    assert result.ok, result.errors
    assert Student.objects.get(student_no="2024010105").phone == "13700000001"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_students_from_csv_in_utf8_and_gbk(school, encoding):
    data = csv_bytes(STUDENT_HEADERS, [student("2024010106", "周九")], encoding)
    result = import_file(actor=None, kind="students", data=data, filename="学生.csv")
    assert result.ok and Student.objects.get(student_no="2024010106").name == "周九"


def test_units_parents_first_and_idempotent(school):
    headers = [h for h, _f, _r in COLUMNS["units"]]
    rows = [["C02-2024-1", "机械2024-1班", "班级", "C02-2024", "", ""],
            ["C02", "机械工程学院", "学院", "SCH", "", ""],
            ["C02-2024", "2024级", "年级", "C02", "", ""],
            ["BWC", "保卫处", "职能部门", "SCH", "security", ""]]
    result = import_file(actor=None, kind="units", data=xlsx(headers, rows), filename="u.xlsx")
    assert result.ok and result.created == 4
    assert Unit.objects.get(code="C02-2024-1").path == "/SCH/C02/C02-2024/C02-2024-1/"
    again = import_file(actor=None, kind="units", data=xlsx(headers, rows), filename="u.xlsx")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_staff_creates_people_and_posts_once(school):
    headers = [h for h, _f, _r in COLUMNS["staff"]]
    rows = [["T0100", "吴老师", "13500000000", "wu@example.edu.cn", "班主任", "C01-2024-2", "2024-09-01"],
            ["T0100", "吴老师", "13500000000", "wu@example.edu.cn", "safety_officer", "C01-2024-2", ""]]
    result = import_file(actor=None, kind="staff", data=xlsx(headers, rows), filename="s.xlsx")
    assert result.ok, result.errors
    wu = User.objects.get(staff_no="T0100")
    assert not wu.has_usable_password()
    assert sorted(wu.posts.values_list("role__code", flat=True)) == ["class_teacher", "safety_officer"]
    posts = Post.objects.count()
    import_file(actor=None, kind="staff", data=xlsx(headers, rows), filename="s.xlsx")
    assert Post.objects.count() == posts


def test_duplicate_student_number_in_file(nothing_written, school):
    data = xlsx(STUDENT_HEADERS, [student("2024010107"), student("2024010108"), student("2024010107")])
    result = import_file(actor=None, kind="students", data=data, filename="d.xlsx")
    assert [(r, c) for r, c, _m in result.errors] == [(4, "学号")]
    assert "2024010107" in result.errors[0][2] and "2" in result.errors[0][2]


def test_unknown_class(nothing_written, school):
    result = import_file(actor=None, kind="students", data=xlsx(STUDENT_HEADERS, [student("2024010109", klass="NOPE")]),
                         filename="d.xlsx")
    assert [(r, c) for r, c, _m in result.errors] == [(2, "班级代码")]
    assert "NOPE" in result.errors[0][2]


def test_malformed_phone(nothing_written, school):
    result = import_file(actor=None, kind="students", data=xlsx(STUDENT_HEADERS, [student("2024010110", phone="12345")]),
                         filename="d.xlsx")
    assert [(r, c) for r, c, _m in result.errors] == [(2, "手机")]


def test_missing_column(nothing_written, school):
    headers = [h for h in STUDENT_HEADERS if h != "班级代码"]
    with pytest.raises(ImportFileError, match="班级代码"):
        import_file(actor=None, kind="students", data=xlsx(headers, [["2024010111", "甲", "男"]]), filename="d.xlsx")


@pytest.mark.parametrize("data, name", [
    (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "photo.xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100, "old.xls"),
    (b"PK\x03\x04 not really a workbook", "broken.xlsx"),
])
def test_wrong_file_type(nothing_written, school, data, name):
    with pytest.raises(ImportFileError):
        import_file(actor=None, kind="students", data=data, filename=name)


def test_file_over_the_size_limit(nothing_written, school, settings):
    settings.IMPORT_MAX_BYTES = 1000
    data = csv_bytes(STUDENT_HEADERS, [student(f"20240102{i:02d}") for i in range(40)])
    with pytest.raises(ImportFileError, match="MB"):
        import_file(actor=None, kind="students", data=data, filename="big.csv")


def test_one_bad_row_among_many_good_rows_writes_nothing(nothing_written, school):
    rows = [student(f"2024019{i:03d}") for i in range(300)]
    rows[157] = student("2024019157", gender="未知")
    result = import_file(actor=None, kind="students", data=xlsx(STUDENT_HEADERS, rows), filename="d.xlsx")
    assert [(r, c) for r, c, _m in result.errors] == [(159, "性别")]


def test_every_error_is_listed(nothing_written, school):
    rows = [student("2024010112", klass="NOPE", phone="1"), student("x", gender="?")]
    result = import_file(actor=None, kind="students", data=xlsx(STUDENT_HEADERS, rows), filename="d.xlsx")
    assert [(r, c) for r, c, _m in result.errors] == [(2, "手机"), (2, "班级代码"), (3, "学号"), (3, "性别")]


def test_cli_imports_and_fails_loudly(school, tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(STUDENT_HEADERS, [student("2024010113")]))
    call_command("import_org", "students", str(good))
    assert "新增 1" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(STUDENT_HEADERS, [student("2024010114", klass="NOPE")]))
    before = counts()
    with pytest.raises(CommandError, match="未写入"):
        call_command("import_org", "students", str(bad))
    assert "第2行 [班级代码]" in capsys.readouterr().err
    assert counts() == before


def test_template_round_trips_its_headers():
    book = openpyxl.load_workbook(io.BytesIO(template_workbook("students")))
    assert [c.value for c in book.active[1]] == STUDENT_HEADERS


def test_upload_page_for_student_affairs_only(school):
    chen, zhang = Client(), Client()
    chen.force_login(school.chen)
    zhang.force_login(school.zhang)
    assert zhang.get("/import/").status_code == 403
    upload = io.BytesIO(xlsx(STUDENT_HEADERS, [student("2024010115", klass="NOPE")]))
    upload.name = "bad.xlsx"
    response = chen.post("/import/", {"kind": "students", "file": upload})
    assert response.status_code == 400 and "NOPE" in response.content.decode()
    assert not Student.objects.filter(student_no="2024010115").exists()
    upload = io.BytesIO(xlsx(STUDENT_HEADERS, [student("2024010115")]))
    upload.name = "good.xlsx"
    assert chen.post("/import/", {"kind": "students", "file": upload}).status_code == 200
    assert Student.objects.filter(student_no="2024010115").exists()
    template = chen.get("/import/template/students.xlsx")
    assert template.status_code == 200 and template.content.startswith(b"PK")

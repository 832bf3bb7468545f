"""The spreadsheet core on its own, with a spec made up here (no app's): encodings, headers,
located errors, templates read back, vendor mappings, streaming, the parsers the check-in,
screening and grade imports will need, and that the core imports no shouwang app."""

import ast
import csv
import datetime
import decimal
import io
import tracemalloc
import zoneinfo
from pathlib import Path

import openpyxl
import pytest
from django.utils import translation

from shouwang import sheets
from shouwang.sheets import (
    Column,
    Errors,
    ImportFileError,
    ImportResult,
    Invalid,
    Records,
    RowError,
    choice,
    date,
    identifier,
    moment,
    number,
    phone,
    read_bytes,
    read_table,
    remap,
    text,
)

SPEC = [
    Column(
        "学号",
        "student_no",
        True,
        identifier(r"^\d{4,20}$", lambda: "%(value)s: not a 学号"),
        "2024010101",
        True,
        aliases=("学生编号",),
    ),
    Column("姓名", "name", True, text(10), "张三"),
    Column("手机", "phone", False, phone, "13800000001", True, aliases=("联系电话",)),
    Column("入学日期", "since", False, date, "2024-09-01", default=None),
]


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


def csv_bytes(rows, encoding="utf-8"):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx(rows):
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read(data, filename="f.csv", spec=SPEC):
    result = ImportResult(kind="test", filename=filename)
    errors = Errors(spec, result.errors)
    table = read_table(spec, data, filename, errors)
    return table, result


def values(table):
    return [row.v for row in table.rows]


# ---- encodings -----------------------------------------------------------------------------


def test_gbk_csv_is_read_as_gbk():
    data = csv_bytes([["学号", "姓名"], ["2024010101", "张三"], ["2024010102", "欧阳娜娜"]], "gbk")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # the file really is not UTF-8
    table, result = read(data)
    assert result.ok, result.errors
    assert [v["name"] for v in values(table)] == ["张三", "欧阳娜娜"]
    assert sheets.csv_encoding(data) == "gb18030"


def test_utf8_bom_is_not_part_of_the_first_header():
    data = csv_bytes([["学号", "姓名"], ["2024010101", "张三"]], "utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")
    table, result = read(data)
    assert result.ok, result.errors
    assert values(table)[0]["student_no"] == "2024010101"


def test_a_file_neither_utf8_nor_gbk_is_refused_as_a_whole():
    data = "学号,姓名\n1,".encode() + b"\xff\xfe\xff"
    table, result = read(data)
    assert table is None
    assert result.errors == [RowError(None, "", "CSV 文件既不是 UTF-8 也不是 GBK 编码。")]


def test_size_is_checked_before_reading():
    class Upload(io.BytesIO):
        size = 11 * 2**20

    with pytest.raises(ImportFileError):
        read_bytes(Upload(b"x"), limit=10 * 2**20)
    assert read_bytes(io.BytesIO(b"abc"), limit=10) == b"abc"


@pytest.mark.parametrize(
    "data, name",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old.xls"),
        (b"%PDF-1.4", "list.pdf"),
        (b"", "empty.csv"),
    ],
)
def test_unreadable_files_are_one_error_for_the_whole_file(data, name):
    table, result = read(data, name)
    assert table is None and [e.row for e in result.errors] == [None]


# ---- headers -------------------------------------------------------------------------------


def test_headers_match_by_alias_marks_and_any_order():
    data = csv_bytes(
        [
            [],
            ["备注", "联系电话", " 姓名（必填）", "学生编号*"],
            ["转专业", "138-0000-0001", "张三", "2024010101"],
        ]
    )
    table, result = read(data)
    assert result.ok, result.errors
    assert values(table) == [
        {"student_no": "2024010101", "name": "张三", "phone": "13800000001", "since": None}
    ]
    assert table.present == {"student_no", "name", "phone"}


def test_missing_required_columns_are_named_by_their_chinese_headers():
    table, result = read(csv_bytes([["手机"], ["13800000001"]]))
    assert table is None
    assert result.errors == [RowError(1, "学号、姓名", "缺少列：学号、姓名")]


def test_a_header_without_data_rows():
    table, result = read(csv_bytes([["学号", "姓名"], ["", ""]]))
    assert table is None and [(e.row, e.column) for e in result.errors] == [(2, "")]


# ---- rows: every error located, all collected --------------------------------------------


def test_a_bad_row_is_named_by_row_number_and_chinese_header():
    data = xlsx(
        [
            ["学号", "姓名", "手机"],
            ["2024010101", "张三", "13800000001"],
            ["20240x", "", "12345"],
            ["2.02401E+09", "李四", ""],
        ]
    )
    table, result = read(data, "f.xlsx")
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "学号"),
        (3, "姓名"),
        (3, "手机"),
        (4, "学号"),
    ]
    assert result.errors[0].message == "20240x: not a 学号"
    assert result.errors[1].message == "此单元格不能为空。"
    assert "12345" in result.errors[2].message
    assert "2.02401E+09" in result.errors[3].message and "科学计数法" in result.errors[3].message
    # The bad rows are still returned, marked, for the checks across rows.
    assert [sorted(row.bad) for row in table.rows] == [
        [],
        ["name", "phone", "student_no"],
        ["student_no"],
    ]
    assert not result.ok


def test_errors_are_sorted_by_row_then_by_the_specs_column_order():
    errors = Errors(SPEC)
    row = sheets.Row(5, {})
    errors.cell(row, "phone", "p")
    errors.at(2, "", "whole row")
    errors.cell(row, "student_no", "n")
    errors.file("the file")
    errors.sort()
    assert list(errors) == [
        RowError(None, "", "the file"),
        RowError(2, "", "whole row"),
        RowError(5, "学号", "n"),
        RowError(5, "手机", "p"),
    ]
    assert row.bad == {"phone", "student_no"} and len(errors) == 4 and errors


# ---- templates -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_template_reads_back_without_errors(fmt):
    if fmt == "xlsx":
        data = sheets.template_xlsx(SPEC, "学生", {"since": "2025-09-01"})
        book = openpyxl.load_workbook(io.BytesIO(data))
        assert book.active.title == "学生"
        assert book.active["A1"].font.b and book.active["A2"].number_format == "@"
    else:
        data = sheets.template_csv(SPEC, {"since": "2025-09-01"})
        assert data.startswith(b"\xef\xbb\xbf")
    table, result = read(data, f"template.{fmt}")
    assert result.ok, result.errors
    assert values(table) == [
        {
            "student_no": "2024010101",
            "name": "张三",
            "phone": "13800000001",
            "since": datetime.date(2025, 9, 1),
        }
    ]


# ---- one spec per vendor, streaming ------------------------------------------------------

CHECKINS = [
    Column(
        "学号", "student_no", True, identifier(r"^\w{4,20}$", lambda: "%(value)s?"), as_text=True
    ),
    Column("通行时间", "at", True, moment),
    Column("门禁点", "gate", True, text(60)),
    Column("方向", "direction", True, choice({"进": "in", "出": "out"}, lambda: "进 or 出")),
]


def test_a_vendor_mapping_is_a_spec_derived_by_field():
    vendor = remap(
        CHECKINS,
        student_no={"header": "卡号", "aliases": ("人员编号",)},
        direction={"clean": choice({"1": "in", "0": "out"}, lambda: "1 or 0")},
    )
    assert [c.header for c in vendor] == ["卡号", "通行时间", "门禁点", "方向"]
    assert [c.header for c in CHECKINS][0] == "学号", "the original spec is left as it was"
    data = csv_bytes(
        [
            ["人员编号", "通行时间", "门禁点", "方向"],
            ["2024010101", "2026/11/24 22:31:05", "1号楼东门", "1"],
        ],
        "gbk",
    )
    table, result = read(data, spec=vendor)
    assert result.ok, result.errors
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    assert values(table) == [
        {
            "student_no": "2024010101",
            "gate": "1号楼东门",
            "direction": "in",
            "at": datetime.datetime(2026, 11, 24, 22, 31, 5, tzinfo=shanghai),
        }
    ]
    with pytest.raises(ValueError):
        remap(CHECKINS, card={"header": "卡号"})


def test_records_stream_a_100000_row_file_without_holding_its_rows():
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["学号", "通行时间", "门禁点", "方向"])
    for i in range(100_000):
        at = f"2026-11-24 {i % 24:02d}:{i % 60:02d}"
        writer.writerow([f"2024{i:06d}", at, "东门", "进出"[i % 2]])
    data = out.getvalue().encode("gbk")
    spec = CHECKINS[3:]  # one column is enough to see what is held, and quick to trace
    errors = Errors(spec)
    records = Records(spec, data, "gate.csv", errors)
    tracemalloc.start()
    try:
        entries = sum(row.v["direction"] == "in" for row in records)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (entries, list(errors), records.present) == (50_000, [], {"direction"})
    # As a list the rows would take some 60 MB, and the file decoded whole about 3.5 MB.
    assert peak < 2**20, f"{peak / 2**20:.1f} MB held streaming {len(data) / 2**20:.1f} MB"


# ---- parsers for the imports to come --------------------------------------------------------


def test_moment_reads_what_gates_export():
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    expected = datetime.datetime(2026, 11, 24, 7, 5, tzinfo=shanghai)
    for raw in [
        "2026-11-24 07:05",
        "2026/11/24 07:05:00",
        "2026-11-24T07:05:00",
        "2026年11月24日 07:05",
        "2026年11月24日 07时05分00秒",
        datetime.datetime(2026, 11, 24, 7, 5),
        46350 + (7 * 60 + 5) / 1440,
    ]:
        assert moment(raw) == expected, raw
    for raw in ["2026-11-24", "昨天晚上", "2026-13-01 07:00"]:
        with pytest.raises(Invalid):
            moment(raw)


def test_number_for_scores_and_grades():
    phq9 = number(0, 27, whole=True)
    assert (phq9("12"), phq9(12.0), phq9(" 0 ")) == (12, 12, 0)
    grade = number(0, 100)
    half = decimal.Decimal("89.5")
    assert (grade("89.5"), grade(89.5), grade("100")) == (half, half, 100)
    for clean, raw in [
        (phq9, "28"),
        (phq9, "-1"),
        (phq9, "3.5"),
        (grade, "优"),
        (grade, "NaN"),
        (grade, "inf"),
    ]:
        with pytest.raises(Invalid):
            clean(raw)


def test_the_core_imports_no_shouwang_app():
    package = Path(sheets.__file__).parent
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and not node.level
                else []
            )
            shouwang = [n for n in names if n.startswith("shouwang")]
            assert not shouwang, f"{path.name} imports {shouwang}"

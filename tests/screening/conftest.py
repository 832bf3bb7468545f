"""The care test school (tests/care/conftest.py: the conftest school plus 心理中心 with its head
周主任 zhou and staff 吴老师 wu, a second college) and helpers to make screening files."""

import csv
import datetime
import io
import zoneinfo

import openpyxl
import pytest
from django.test import Client

from tests.care.conftest import campus  # noqa: F401  (re-exported as a fixture)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 11, 24, 14, 0, tzinfo=SHANGHAI)  # a Tuesday afternoon
UPI_HEADER = ["学号", "姓名", "总分", "第25题", "风险因素"]


def csv_bytes(rows, header=UPI_HEADER, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, header=UPI_HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# 张三 一类 (total 30), 王五 三类, 李四 二类 (22) with a risk factor.
GOOD_UPI = [
    ["2024010101", "张三", "30", "0", ""],
    ["2024010102", "王五", "8", "0", ""],
    ["2024010201", "李四", "22", "", "经济困难"],
]


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return T0


def login(person) -> Client:
    client = Client()
    client.force_login(person)
    return client

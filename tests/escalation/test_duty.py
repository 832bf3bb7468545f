"""The duty roster and the holiday calendar: who may edit which roster, the all-or-nothing
import, and the roster really deciding who is asked first at night and on holidays."""

import csv
import datetime
import io
import re

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from shouwang.audit.models import Event
from shouwang.escalation import selectors
from shouwang.escalation.models import DutyShift, Holiday
from shouwang.escalation.services import (
    duty_roster_import,
    duty_shift_add,
    duty_shift_remove,
    holiday_add,
    holiday_remove,
)
from shouwang.escalation.sweep import deadline_sweep
from shouwang.org.models import Post, Role, Unit

from .conftest import at

NOV24, NOV25 = datetime.date(2026, 11, 24), datetime.date(2026, 11, 25)
HEADER = ["日期", "单位代码", "值班人工号", "值班电话"]


@pytest.fixture(autouse=True)
def _building_duty_team(school):
    """孙老师, 张老师 and 赵老师 take night duty in 1号宿舍楼: a duty officer's post there is what
    lets them be rostered for it (only staff of a unit, or its duty officers, may be)."""
    for person in (school.sun, school.zhang, school.zhao):
        Post.objects.create(
            person=person,
            unit=school.d01,
            role=Role.objects.get(code="duty_officer"),
            since=datetime.date(2024, 9, 1),
        )


def _zhang_only_counsellor(school):
    """For the tests of what a counsellor sees: 张老师 without the building's duty post."""
    Post.objects.filter(person=school.zhang, unit=school.d01).delete()
    school.zhang = type(school.zhang).objects.get(pk=school.zhang.pk)  # no cached scope


def xlsx(rows, header=HEADER):
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [header, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, encoding="utf-8-sig", header=HEADER):
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode(encoding)


def login(person):
    client = Client()
    client.force_login(person)
    return client


def text(response):
    return re.sub(r"<[^>]+>", "", response.content.decode())


def written():
    return list(
        DutyShift.objects.values_list("unit__code", "date", "person__username", "phone").order_by(
            "pk"
        )
    ), Event.objects.count()


@pytest.fixture
def c02(school):
    """A second college with its own deputy secretary (韩书记), for the "not another college"
    rules."""
    c02 = Unit.objects.create(code="C02", name="机械学院", kind="college", parent=school.sch)
    han = school.admin.__class__.objects.create_user(
        username="han", full_name="韩书记", staff_no="T0010"
    )
    Post.objects.create(
        person=han,
        unit=c02,
        role=Role.objects.get(code="deputy_secretary"),
        since=datetime.date(2024, 9, 1),
    )
    return c02


# ---- who may edit which roster -------------------------------------------------------------


def test_deputy_secretary_edits_their_college_roster_only(school, c02):
    shift = duty_shift_add(
        actor=school.li, unit=school.c01, date=NOV24, person=school.sun, phone="13800000009"
    )
    duty_shift_add(
        actor=school.li, unit=school.class_a, date=NOV24, person=school.zhang
    )  # below the college too
    for unit in (c02, school.d01, school.sch):
        with pytest.raises(PermissionDenied):
            duty_shift_add(actor=school.li, unit=unit, date=NOV24, person=school.sun)
    event = Event.objects.get(verb="duty.added", subject_id=str(shift.pk))
    assert (
        event.actor == school.li
        and event.data["staff_no"] == "T0005"
        and event.data["date"] == "2026-11-24"
    )
    with pytest.raises(ValidationError, match="已在 2026-11-24 为 计算机学院 值班"):
        duty_shift_add(actor=school.li, unit=school.c01, date=NOV24, person=school.sun)
    with pytest.raises(ValidationError, match="不是有效的电话号码|not a valid phone"):
        duty_shift_add(
            actor=school.li, unit=school.c01, date=NOV25, person=school.sun, phone="12345"
        )


def test_counsellor_cannot_edit_a_roster_not_even_their_own_class(school):
    for unit in (school.c01, school.class_a):
        with pytest.raises(PermissionDenied):
            duty_shift_add(actor=school.zhang, unit=unit, date=NOV24, person=school.sun)
    shift = duty_shift_add(actor=school.chen, unit=school.c01, date=NOV24, person=school.sun)
    with pytest.raises(PermissionDenied):
        duty_shift_remove(actor=school.zhang, shift=shift)
    assert DutyShift.objects.count() == 1


def test_removal_is_on_the_timeline_with_what_the_row_said(school):
    shift = duty_shift_add(
        actor=school.chen, unit=school.d01, date=NOV24, person=school.sun, phone="13800000009"
    )
    pk = shift.pk
    duty_shift_remove(actor=school.chen, shift=shift)
    assert not DutyShift.objects.exists()
    event = Event.objects.get(verb="duty.removed", subject_id=str(pk))
    assert event.data == {
        "unit": "D01",
        "date": "2026-11-24",
        "person": school.sun.pk,
        "staff_no": "T0005",
        "phone": "13800000009",
    }


def test_holidays_only_by_the_office(school):
    holiday = holiday_add(actor=school.chen, date=NOV24, name="校庆日")
    assert Event.objects.filter(verb="holiday.added", subject_id=str(holiday.pk)).exists()
    with pytest.raises(ValidationError, match="已是节假日"):
        holiday_add(actor=school.chen, date=NOV24, name="又一个")
    for actor in (school.zhang, school.li):
        with pytest.raises(PermissionDenied):
            holiday_add(actor=actor, date=NOV25, name="自己放假")
        with pytest.raises(PermissionDenied):
            holiday_remove(actor=actor, holiday=holiday)
    holiday_remove(actor=school.chen, holiday=holiday)
    assert (
        not Holiday.objects.exists() and Event.objects.filter(verb="holiday.removed").count() == 1
    )


# ---- import --------------------------------------------------------------------------------

ROWS = [
    ["2026-11-24", "D01", "T0005", "13800000009"],
    ["2026-11-24", "C01", "T0002", ""],
    ["2026-11-25", "D01", "T0003", "010-62345678"],
]


def test_import_happy_path_then_idempotent_then_a_swap(school):
    result = duty_roster_import(actor=school.chen, file=xlsx(ROWS), filename="值班表.xlsx")
    assert result.ok, result.errors
    assert (result.created, result.updated, result.removed, result.unchanged) == (3, 0, 0, 0)
    assert DutyShift.objects.get(unit=school.d01, date=NOV24).person == school.sun
    event = Event.objects.get(verb="duty.imported")
    assert event.actor == school.chen and event.data["added"][0] == ["2026-11-24", "C01", "T0002"]

    before = written()
    again = duty_roster_import(actor=school.chen, file=xlsx(ROWS), filename="值班表.xlsx")
    assert again.ok and (again.created, again.updated, again.removed, again.unchanged) == (
        0,
        0,
        0,
        3,
    )
    assert written() == before  # nothing changed, no event either

    # The corrected file: 赵老师 instead of 孙老师 on the 24th at D01, a new phone on the 25th.
    swap = [
        ["2026-11-24", "D01", "T0004", "13800000009"],
        ["2026-11-25", "D01", "T0003", "13900000000"],
    ]
    result = duty_roster_import(actor=school.chen, file=csv_bytes(swap), filename="fix.csv")
    assert (result.created, result.updated, result.removed, result.unchanged) == (1, 1, 1, 0)
    assert list(
        DutyShift.objects.filter(unit=school.d01)
        .values_list("date", "person__username", "phone")
        .order_by("date")
    ) == [(NOV24, "zhao", "13800000009"), (NOV25, "zhang", "13900000000")]
    assert DutyShift.objects.filter(unit=school.c01).count() == 1  # not in the file: left alone
    assert Event.objects.filter(verb="duty.imported").last().data["removed"] == [
        ["2026-11-24", "D01", "T0005"]
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_import_csv_in_the_encodings_offices_use(school, encoding):
    result = duty_roster_import(
        actor=school.chen, file=csv_bytes(ROWS, encoding), filename="值班.csv"
    )
    assert result.ok and result.created == 3


BAD = [
    (
        [["2026-11-24", "NOPE", "T0005", ""]],
        3,
        "单位代码",
        "单位代码 NOPE 不存在或不在你的管理范围内",
    ),
    ([["2026-11-24", "D01", "T9999", ""]], 3, "值班人工号", "T9999 不是本单位的工作人员"),
    ([["2026-13-45", "D01", "T0005", ""]], 3, "日期", "2026-13-45"),
    ([["", "D01", "T0005", ""]], 3, "日期", "此单元格不能为空"),
    ([["2026-11-25", "D01", "T0005", "12345"]], 3, "值班电话", "12345"),
    ([ROWS[0]], 3, "值班人工号", "与第 2 行的值班重复"),
    ([["2026-11-24", "D01", "T0099", ""]], 3, "值班人工号", "T0099 不是本单位的工作人员"),
]


@pytest.mark.parametrize("extra, row, column, message", BAD)
def test_every_import_error_names_row_and_column_and_writes_nothing(
    school, extra, row, column, message
):
    school.nobody.is_active = False
    school.nobody.save()
    before = written()
    result = duty_roster_import(
        actor=school.chen, file=xlsx([ROWS[0], *extra]), filename="值班表.xlsx"
    )
    assert [(e.row, e.column) for e in result.errors] == [(row, column)], result.errors
    assert message in result.errors[0].message
    assert written() == before


def test_import_refuses_units_outside_the_actors_roster(school, c02):
    before = written()
    rows = [
        ["2026-11-24", "C01", "T0005", ""],
        ["2026-11-24", "C02", "T0005", ""],
        ["2026-11-24", "D01", "T0005", ""],
        ["2026-11-24", "C01-2024-1", "T0003", ""],
    ]
    result = duty_roster_import(actor=school.li, file=xlsx(rows), filename="r.xlsx")
    assert [(e.row, e.column) for e in result.errors] == [(3, "单位代码"), (4, "单位代码")]
    assert "C02 不存在或不在你的管理范围内" in result.errors[0].message  # existence is not revealed
    assert written() == before
    with pytest.raises(PermissionDenied):
        duty_roster_import(actor=school.zhang, file=xlsx(rows[:1]), filename="r.xlsx")


def test_import_file_level_problems(school):
    missing = duty_roster_import(
        actor=school.chen,
        file=xlsx([["2026-11-24", "D01"]], header=["日期", "单位代码"]),
        filename="r.xlsx",
    )
    assert missing.errors[0].message == "缺少列：值班人工号"
    empty = duty_roster_import(actor=school.chen, file=b"", filename="r.csv")
    assert empty.errors[0].row is None and "空" in empty.errors[0].message
    word = duty_roster_import(
        actor=school.chen, file=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", filename="r.xls"
    )
    assert word.errors and not DutyShift.objects.exists()


def test_templates_download_and_import_back(school):
    chen = login(school.chen)
    book = chen.get("/escalation/duty/template.xlsx")
    assert book.status_code == 200 and "spreadsheetml" in book["Content-Type"]
    sheet = openpyxl.load_workbook(io.BytesIO(book.content)).active
    assert [c.value for c in sheet[1]] == HEADER
    sheet.cell(2, 2).value, sheet.cell(2, 3).value = "D01", "T0005"
    out = io.BytesIO()
    sheet.parent.save(out)
    assert (
        duty_roster_import(actor=school.chen, file=out.getvalue(), filename="t.xlsx").created == 1
    )
    as_csv = chen.get("/escalation/duty/template.xlsx?format=csv")
    assert as_csv.content.startswith(b"\xef\xbb\xbf" + "日期".encode())
    assert login(school.zhang).get("/escalation/duty/template.xlsx").status_code == 403


def test_import_page_lists_errors_or_counts(school):
    chen = login(school.chen)
    bad = io.BytesIO(xlsx([ROWS[0], ["2026-11-24", "NOPE", "T9999", ""]]))
    bad.name = "bad.xlsx"
    response = chen.post("/escalation/duty/import/", {"file": bad})
    assert response.status_code == 400 and "未导入任何数据：共 2 处错误" in text(response)
    assert "T9999 不是本单位的工作人员" in text(response) and not DutyShift.objects.exists()
    good = io.BytesIO(xlsx(ROWS))
    good.name = "good.xlsx"
    response = chen.post("/escalation/duty/import/", {"file": good})
    assert (
        response.status_code == 200
        and "新增 3 条" in text(response)
        and DutyShift.objects.count() == 3
    )


# ---- the roster deciding routing -----------------------------------------------------------


def _on_duty_asked(report):
    """Who the night-absence route asks at its duty step (23:30: duty teacher and secretary)."""
    return sorted(r.person.username for r in report.recipients.filter(step=2, purpose="ack"))


def test_imported_roster_puts_the_duty_officer_on_the_night_route(school, file_night_absence):
    assert duty_roster_import(actor=school.chen, file=xlsx(ROWS[:1]), filename="r.xlsx").ok
    report = file_night_absence(at(23))
    deadline_sweep(now=at(23, 30))  # the dorm head did not answer: the counsellor
    deadline_sweep(now=at(0, day=25))  # nor the counsellor: the duty teacher and the secretary
    assert _on_duty_asked(report) == ["li", "sun"]
    after_midnight = file_night_absence(at(1, day=25), severity="larger")  # still the 24th's shift
    assert after_midnight.recipients.get(step=-2, purpose="info").person == school.sun
    daytime = file_night_absence(at(14, day=25), severity="larger")
    assert not daytime.recipients.filter(step=-2).exists()


def test_college_roster_added_by_the_deputy_secretary_reaches_its_students_reports(
    school, file_night_absence
):
    duty_shift_add(actor=school.li, unit=school.c01, date=NOV24, person=school.wang)
    report = file_night_absence(at(23), severity="larger")
    assert report.recipients.get(step=-2, purpose="info").person == school.wang


def test_a_holiday_makes_the_daytime_a_duty_time(school, file_night_absence):
    duty_shift_add(actor=school.chen, unit=school.d01, date=NOV24, person=school.sun)
    assert not file_night_absence(at(14), severity="larger").recipients.filter(step=-2).exists()
    holiday_add(actor=school.chen, date=NOV24, name="校庆日")
    report = file_night_absence(at(14, 5), severity="larger")
    assert report.recipients.get(step=-2, purpose="info").person == school.sun


# ---- what the roster page shows ------------------------------------------------------------


def test_on_duty_now_uses_the_routing_rules(school):
    duty_shift_add(
        actor=school.chen, unit=school.d01, date=NOV24, person=school.sun, phone="13800000009"
    )
    duty_shift_add(actor=school.chen, unit=school.sch, date=NOV24, person=school.chen)
    night = selectors.on_duty(school.r101, at(23))
    assert night.duty_time and [s.person for s in night.shifts] == [
        school.sun
    ]  # the nearest roster wins
    office = selectors.on_duty(school.xsc, at(23))
    assert [s.person for s in office.shifts] == [school.chen]
    day = selectors.on_duty(school.r101, at(14))
    assert not day.duty_time and [s.person for s in day.shifts] == [
        school.sun
    ]  # tonight's, announced
    assert selectors.on_duty(school.r101, at(14, day=25)).shifts == []


def test_roster_week_is_scoped_to_the_viewer(school, c02):
    duty_shift_add(actor=school.chen, unit=school.d01, date=NOV24, person=school.sun)
    duty_shift_add(actor=school.chen, unit=school.c01, date=NOV25, person=school.wang)
    Post.objects.create(
        person=school.wang,
        unit=c02,
        role=Role.objects.get(code="duty_officer"),
        since=datetime.date(2024, 9, 1),
    )
    duty_shift_add(actor=school.chen, unit=c02, date=NOV25, person=school.wang)
    _zhang_only_counsellor(school)
    monday = datetime.date(2026, 11, 23)

    def rows(viewer):
        return [
            (u.code, editable)
            for u, _cells, editable in selectors.roster_week(viewer, start=monday).rows
        ]

    assert rows(school.chen) == [("C01", True), ("C02", True), ("D01", True)]
    assert rows(school.li) == [("C01", True)]
    assert rows(school.zhang) == []
    week = selectors.roster_week(school.li, start=monday)
    assert [len(c) for c in week.rows[0][1]] == [0, 0, 1, 0, 0, 0, 0]


def test_roster_page(school, time_machine):
    time_machine.move_to(at(23), tick=False)
    _zhang_only_counsellor(school)
    duty_shift_add(
        actor=school.chen, unit=school.d01, date=NOV24, person=school.sun, phone="13800000009"
    )
    holiday_add(actor=school.chen, date=NOV25, name="校庆日")
    page = login(school.chen).get("/escalation/duty/?on=D01-101")
    body = text(page)
    assert page.status_code == 200
    assert (
        "夜间 22:00–07:00 及节假日" in body and "即时告知值班人员" in body
    )  # the night route as written
    assert "孙老师 · 13800000009" in body and "校庆日" in body
    assert "导入值班表" in body
    zhang = login(school.zhang).get("/escalation/duty/")
    assert (
        zhang.status_code == 200
        and "导入值班表" not in text(zhang)
        and "1号宿舍楼" not in text(zhang)
    )
    assert "不存在或不在你的管理范围内" in text(login(school.zhang).get("/escalation/duty/?on=D01"))


def test_roster_forms(school):
    _zhang_only_counsellor(school)
    chen = login(school.chen)
    added = chen.post(
        "/escalation/duty/add/",
        {"date": "2026-11-25", "unit": "D01", "person": "T0005", "phone": "13800000009"},
    )
    assert added.status_code == 302 and added["Location"].endswith("?week=2026-11-25")
    shift = DutyShift.objects.get()
    assert (shift.unit, shift.person, shift.phone) == (school.d01, school.sun, "13800000009")
    twice = chen.post(
        "/escalation/duty/add/", {"date": "2026-11-25", "unit": "D01", "person": "sun"}
    )
    assert twice.status_code == 400 and "已在 2026-11-25 为 1号宿舍楼 值班" in text(twice)
    zhang = login(school.zhang)
    assert (
        zhang.post(
            "/escalation/duty/add/", {"date": "2026-11-25", "unit": "C01-2024-1", "person": "sun"}
        ).status_code
        == 403
    )
    assert (
        zhang.post(
            "/escalation/duty/add/", {"date": "2026-11-25", "unit": "D01", "person": "sun"}
        ).status_code
        == 403
    )
    outside = login(school.li).post(
        "/escalation/duty/add/", {"date": "2026-11-25", "unit": "D01", "person": "sun"}
    )
    assert outside.status_code == 400 and "单位代码 D01 不存在或不在你的管理范围内" in text(outside)
    assert (
        zhang.post(f"/escalation/duty/{shift.pk}/remove/").status_code == 404
    )  # not in zhang's units
    assert chen.post(f"/escalation/duty/{shift.pk}/remove/").status_code == 302
    assert not DutyShift.objects.exists()


def test_holiday_page(school):
    chen = login(school.chen)
    assert (
        chen.post("/escalation/holidays/", {"date": "2026-12-31", "name": "元旦前夜"}).status_code
        == 302
    )
    holiday = Holiday.objects.get()
    assert "元旦前夜" in text(chen.get("/escalation/holidays/?all=1"))
    again = chen.post("/escalation/holidays/", {"date": "2026-12-31", "name": "重复"})
    assert again.status_code == 400 and "2026-12-31 已是节假日" in text(again)
    zhang = login(school.zhang)
    assert (
        zhang.post("/escalation/holidays/", {"date": "2027-01-01", "name": "元旦"}).status_code
        == 403
    )
    assert zhang.post(f"/escalation/holidays/{holiday.pk}/remove/").status_code == 403
    assert chen.post(f"/escalation/holidays/{holiday.pk}/remove/").status_code == 302
    assert not Holiday.objects.exists()

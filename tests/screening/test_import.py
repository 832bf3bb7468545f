"""The screening import (issue 17 item 3): a 普测 file read and checked as a whole by the
worker's job; every bad row named and nothing written, or every row written with the flagged
students' care files and the psych centre's interviews on the deadline engine."""

import base64
import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from shouwang.audit.models import Event
from shouwang.care.models import CareFile
from shouwang.escalation.models import Deadline
from shouwang.screening import services
from shouwang.screening.models import Interview, Result, Round
from tests._events import capture_events

from .conftest import GOOD_UPI, T0, csv_bytes, xlsx_bytes

pytestmark = pytest.mark.usefixtures("clock")

SCL_HEADER = [
    "学号",
    "躯体化",
    "强迫症状",
    "人际关系敏感",
    "抑郁",
    "焦虑",
    "敌对",
    "恐怖",
    "偏执",
    "精神病性",
    "其他",
]


def request(w, data, *, actor=None, instrument="upi", filename="upi.csv", held_on=None):
    return services.round_request(
        actor=actor or w.wu,
        term="2026秋季学期",
        instrument=instrument,
        held_on=held_on or datetime.date(2026, 11, 20),
        data=data,
        filename=filename,
        now=T0,
    )


def run(rnd):
    return services.round_import(round_id=rnd.pk, now=T0)


def test_flagged_students_get_a_care_file_and_an_interview_on_the_engine(campus):
    rnd = request(campus, csv_bytes(GOOD_UPI))
    assert rnd.state == "queued" and str(DBTaskResult.objects.get().id) == rnd.task_id
    with capture_events() as events:
        assert run(rnd) == "imported"
    rnd.refresh_from_db()
    assert (rnd.state, rnd.rows, rnd.flagged, rnd.progress) == ("imported", 3, 2, 100)
    assert rnd.counts == {"一类": 1, "二类": 1, "三类": 1} and rnd.upload is None
    assert Result.objects.filter(round=rnd).count() == 3
    details = Result.objects.get(student=campus.zhangsan).details
    assert details["flag"] == "一类" and details["scores"]["total"] == 30
    interviews = Interview.objects.filter(round=rnd).order_by("student__student_no")
    assert [i.student for i in interviews] == [campus.zhangsan, campus.lisi]
    due = datetime.datetime(2026, 12, 8, 18, 0, tzinfo=T0.tzinfo)
    assert all(i.state == "open" and i.due_at == due for i in interviews)
    files = {f.student_id: f for f in CareFile.objects.all()}
    assert set(files) == {campus.zhangsan.pk, campus.lisi.pk}
    assert files[campus.lisi.pk].risk_factors == ["financial"]
    assert files[campus.lisi.pk].screening["flag"] == "二类"
    assert files[campus.zhangsan.pk].opened_via == "screening"
    assert {i.care_file_id for i in interviews} == {f.pk for f in files.values()}
    deadlines = Deadline.objects.filter(subject_type="screening.interview", state="open")
    assert sorted((d.kind, d.due_at) for d in deadlines) == sorted(
        [("screening_iv_remind", due - datetime.timedelta(days=3))] * 2
        + [("screening_iv_overdue", due)] * 2
    )
    assert events.verbs == ["care.opened", "care.opened", "screening.round_imported"]
    assert events.one("screening.round_imported").data["flagged"] == 2


def test_a_second_round_updates_the_file_the_student_has(campus):
    run(request(campus, csv_bytes(GOOD_UPI)))
    again = request(campus, csv_bytes([["2024010101", "张三", "40", "1", "情感危机"]]))
    with capture_events() as events:
        assert run(again) == "imported"
    assert events.verbs == ["care.updated", "screening.round_imported"]
    file = CareFile.objects.get(student=campus.zhangsan)
    assert file.screening["round"] == again.pk and file.risk_factors == ["relationship"]
    assert Interview.objects.filter(student=campus.zhangsan).count() == 2


def test_every_bad_row_is_named_and_nothing_is_imported(campus):
    rows = [
        ["2024010101", "张三", "30", "0", ""],
        ["2099999999", "", "10", "0", ""],  # unknown 学号
        ["2024010102", "王五", "65", "0", ""],  # UPI total is 0–64
        ["2024010101", "张三", "12", "0", ""],  # repeats row 2
        ["2024010201", "李小四", "5", "0", ""],  # not the register's name
        ["2024010201", "", "-1", "2", "没有这种"],  # repeat, negative total, bad item, factor
    ]
    rnd = request(campus, csv_bytes(rows))
    before = {m: m.objects.count() for m in (CareFile, Interview, Result, Deadline)}
    with capture_events() as events:
        assert run(rnd) == "rejected"
    rnd.refresh_from_db()
    assert rnd.state == "rejected" and rnd.upload is None and rnd.error_count == 8
    located = [(r, c) for r, c, _m in rnd.errors]
    assert located == [
        (3, "学号"),
        (4, "总分"),
        (5, "学号"),
        (6, "姓名"),
        (7, "学号"),
        (7, "总分"),
        (7, "第25题"),
        (7, "风险因素"),
    ]
    messages = dict(((r, c), m) for r, c, m in rnd.errors)
    assert "2099999999" in messages[3, "学号"]
    assert "65" in messages[4, "总分"] and "64" in messages[4, "总分"]
    assert "2024010101" in messages[5, "学号"] and "2" in messages[5, "学号"].replace("20240", "")
    assert "没有这种" in messages[7, "风险因素"]
    assert {m: m.objects.count() for m in before} == before
    assert events.verbs == ["screening.import_rejected"]
    assert events.one("screening.import_rejected").data == {"round": rnd.pk, "errors": 8}


def test_scl90_factor_means_must_lie_between_1_and_5(campus):
    good = ["2024010101", *["1.5"] * 10]
    rows = [good, ["2024010102", "5.5", *["1"] * 9], ["2024010201", *["1"] * 8, "0.5", "1"]]
    rnd = request(campus, csv_bytes(rows, SCL_HEADER), instrument="scl90")
    assert run(rnd) == "rejected"
    rnd.refresh_from_db()
    assert [(r, c) for r, c, _m in rnd.errors] == [(3, "躯体化"), (4, "精神病性")]
    assert not Result.objects.exists()


def test_scl90_flags_a_factor_mean_of_2_or_more(campus):
    rows = [["2024010101", *["1.2"] * 3, "2.4", *["1.1"] * 6], ["2024010102", *["1.5"] * 10]]
    rnd = request(campus, xlsx_bytes(rows, SCL_HEADER), instrument="scl90", filename="s.xlsx")
    assert run(rnd) == "imported"
    rnd.refresh_from_db()
    assert rnd.counts == {"阳性": 1, "阴性": 1}
    assert list(Interview.objects.values_list("student_id", flat=True)) == [campus.zhangsan.pk]


def test_a_gbk_csv_with_the_software_s_own_flag_column(campus):
    header = ["学号", "姓名", "UPI总分", "筛查结果"]
    rows = [["2024010101", "张三", "12", "一类"], ["2024010102", "王五", "26", "三类"]]
    rnd = request(campus, csv_bytes(rows, header, encoding="gbk"))
    assert run(rnd) == "imported"
    # The instrument's flag as the screening software wrote it wins over the rule.
    assert list(Interview.objects.values_list("student_id", flat=True)) == [campus.zhangsan.pk]


def test_missing_columns_are_said_when_the_file_is_uploaded(campus):
    with pytest.raises(ValidationError) as exc:
        request(campus, csv_bytes([["2024010101", "张三"]], ["学号", "姓名"]))
    assert "总分" in str(exc.value.message_dict["file"])
    assert not Round.objects.exists() and not DBTaskResult.objects.exists()


def test_bad_request_fields_change_nothing(campus):
    with pytest.raises(ValidationError) as exc:
        services.round_request(
            actor=campus.wu,
            term="",
            instrument="mmpi",
            held_on="2030-01-01",
            data=csv_bytes(GOOD_UPI),
            filename="a.csv",
            now=T0,
        )
    assert set(exc.value.message_dict) == {"term", "instrument", "held_on"}
    with pytest.raises(ValidationError):
        request(campus, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", filename="a.xls")
    assert not Round.objects.exists()


def test_only_the_psych_centre_and_student_affairs_import(campus):
    for person in (campus.zhang, campus.sun, campus.li, campus.nobody, campus.zheng):
        with pytest.raises(PermissionDenied):
            request(campus, csv_bytes(GOOD_UPI), actor=person)
    assert not Round.objects.exists()
    assert request(campus, csv_bytes(GOOD_UPI), actor=campus.chen).imported_by == campus.chen


def test_a_second_run_of_the_job_does_nothing(campus):
    rnd = request(campus, csv_bytes(GOOD_UPI))
    assert run(rnd) == "imported"
    assert run(rnd) == "not queued"
    assert Interview.objects.count() == 2


def test_nothing_sensitive_goes_into_events(campus):
    rows = [*GOOD_UPI[:2], ["2024010201", "李四", "22", "", "经济困难、自残史"]]
    run(request(campus, csv_bytes(rows)))
    text = json.dumps(list(Event.objects.values_list("data", flat=True)), ensure_ascii=False)
    for secret in (
        "一类",
        "二类",
        "三类",
        "经济困难",
        "financial",
        "self_harm",
        '"total"',
        "scores",
    ):
        assert secret not in text


def _raw(table, column):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table}")  # noqa: S608 (fixed names)
        return [row[0] for row in cursor.fetchall()]


def test_scores_are_ciphertext_in_the_database(campus):
    rnd = request(campus, csv_bytes(GOOD_UPI))
    uploads = _raw("screening_round", "upload")
    assert uploads[0].startswith("sw1:") and "2024010101" not in uploads[0]
    assert base64.b64encode(b"2024010101") not in uploads[0].encode()
    run(rnd)
    stored = _raw("screening_result", "details")
    assert len(stored) == 3 and all(v.startswith("sw1:") for v in stored)
    assert not any("一类" in v or "total" in v for v in stored)
    assert _raw("screening_round", "upload") == [None]  # the file is dropped once read
    bad = request(campus, csv_bytes([["2099999999", "", "70", "0", ""]]))
    run(bad)
    errors = [v for v in _raw("screening_round", "errors") if v]
    # (base64 may hold "70" by chance: look for what only plaintext has — the number, a quote)
    assert errors and all(v.startswith("sw1:") for v in errors)
    assert not any("2099999999" in v or '"' in v for v in errors)


def test_the_progress_bar_knows_about_how_many_rows_a_file_has():
    assert services._estimate_rows(xlsx_bytes(GOOD_UPI)) == 4
    assert services._estimate_rows(csv_bytes(GOOD_UPI)) == 4
    assert services._estimate_rows(b"PK\x03\x04 not really a zip") == 1


def test_the_worker_runs_the_queued_import(transactional_db, campus):
    rnd = request(campus, csv_bytes(GOOD_UPI))
    call_command("worker", once=True)
    rnd.refresh_from_db()
    assert rnd.state == "imported" and DBTaskResult.objects.get().status == "SUCCESSFUL"


def test_an_import_whose_worker_died_is_given_up_on(campus):
    rnd = request(campus, csv_bytes(GOOD_UPI))
    Round.objects.filter(pk=rnd.pk).update(state="running", progressed_at=T0)
    assert services.rounds_unstick(now=T0 + datetime.timedelta(minutes=4)) == 0
    with capture_events() as events:
        assert services.rounds_unstick(now=T0 + datetime.timedelta(minutes=6)) == 1
    rnd.refresh_from_db()
    assert (rnd.state, rnd.upload) == ("failed", None) and "重新上传" in rnd.failure
    assert events.verbs == ["screening.import_failed"]
    assert services.round_import(round_id=rnd.pk, now=T0) == "not queued"

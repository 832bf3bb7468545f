"""A raw dump of the database — the SQLite file's bytes, `pg_dump` of PostgreSQL — holds no
plaintext risk factor, note, diagnosis, screening detail or attachment (R-CARE-4)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from shouwang.care import services, tiers
from shouwang.care.models import Via

SECRETS = {
    "note": "深夜独自在天台徘徊",
    "diagnosis": "重度抑郁发作伴自杀观念",
    "screening": "SCL90抑郁因子",
    "attachment": "监护人签字扫描件内容",
    "attachment name": "安全责任移交书",
    "reason": "楼顶紧急情况需要联系家长",
}
FACTORS = ["suicide_attempt", "self_harm", "mental_illness"]


def _fill(campus):
    file = services.care_file_open_or_update(
        actor=campus.wu,
        student=campus.zhangsan,
        via=Via.SCREENING,
        risk_factors=FACTORS,
        screening={SECRETS["screening"]: 3.2, "UPI": 31},
        note=SECRETS["note"],
    )
    services.care_diagnosis_set(actor=campus.wu, file=file, diagnosis=SECRETS["diagnosis"])
    services.care_note_add(actor=campus.zhang, file=file, text=SECRETS["note"] + "二")
    services.care_attachment_add(
        actor=campus.zhang,
        file=file,
        upload=SimpleUploadedFile(
            SECRETS["attachment name"] + ".pdf",
            ("%PDF-1.4 " + SECRETS["attachment"]).encode(),
            content_type="application/pdf",
        ),
    )
    services.care_tier_change(actor=campus.wu, file=file, tier="severe", reason=SECRETS["note"])
    services.care_break_glass(actor=campus.zheng, file=file, reason=SECRETS["reason"])
    services.care_grant_create(
        actor=campus.zhou, file=file, grantee=campus.li, days=2, reason=SECRETS["reason"] + "复核"
    )
    services.key_list_produce(
        actor=campus.zhou,
        term="2026-2027-1",
        starts_on=_d(2026, 9, 1),
        ends_on=_d(2027, 1, 20),
        receiver=campus.zheng,
    )
    return file


def _d(*args):
    import datetime

    return datetime.date(*args)


def _needles():
    labels = [tiers.risk_factor_label(c) for c in FACTORS]
    texts = list(SECRETS.values()) + labels
    needles = [t.encode("utf-8") for t in texts]
    # The codes as JSON holds them.
    needles += [f'"{c}"'.encode() for c in FACTORS]
    return needles


def _assert_clean(blob: bytes, where: str):
    found = [n.decode() for n in _needles() if n in blob]
    assert not found, f"plaintext in {where}: {found}"


def test_the_sqlite_file_holds_no_plaintext(transactional_db, campus):
    if connection.vendor != "sqlite":
        pytest.skip("this run uses PostgreSQL: test_pg_dump_holds_no_plaintext covers it")
    _fill(campus)
    name = Path(connection.settings_dict["NAME"])
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(FULL)")
    blob = name.read_bytes()
    for extra in ("-wal", "-journal"):
        side = Path(str(name) + extra)
        if side.exists():
            blob += side.read_bytes()
    assert len(blob) > 100_000  # the whole database, not an empty file
    assert "张三".encode() in blob  # the student register is plain: the dump is readable
    _assert_clean(blob, str(name))


def test_pg_dump_holds_no_plaintext(transactional_db, campus):
    if connection.vendor != "postgresql":
        pytest.skip("this run uses SQLite (run with SHOUWANG_DATABASE_URL=postgres://… for it)")
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        pytest.skip("pg_dump is not installed on this machine")
    _fill(campus)
    s = connection.settings_dict
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = s["PASSWORD"]
    cmd = [pg_dump, "--data-only", "-d", s["NAME"]]
    if s.get("HOST"):
        cmd += ["-h", s["HOST"]]
    if s.get("PORT"):
        cmd += ["-p", str(s["PORT"])]
    if s.get("USER"):
        cmd += ["-U", s["USER"]]
    dump = subprocess.run(cmd, capture_output=True, env=env, check=True, timeout=120).stdout
    assert "张三".encode() in dump
    _assert_clean(dump, "pg_dump")

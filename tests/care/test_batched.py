"""The batched opening (`care_files_open_or_update`, the screening import's path) writes what
the single calls write: the same files, entries (encrypted) and events, in the same order."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.care import services
from shouwang.care.models import CareFile, Entry, Via

NOW = timezone.make_aware(datetime.datetime(2026, 10, 9, 10, 0))


class Rollback(Exception):
    pass


def _items(campus):
    return [
        {
            "student": campus.zhangsan,
            "via": Via.SCREENING,
            "risk_factors": ["financial", "self_harm"],
            "screening": {"round": 1, "flag": "I", "scores": {"total": 31}},
        },
        {"student": campus.lisi, "via": Via.SCREENING, "screening": {"round": 1, "flag": "II"}},
        {"student": campus.wangwu, "via": Via.SCREENING, "note": "复查"},
        # The same student again: adds to the file the first item opened.
        {"student": campus.zhangsan, "via": Via.SCREENING, "risk_factors": ["financial"]},
    ]


def _written(since_event):
    files = sorted(
        (f.student_id, f.opened_via, f.risk_factors, f.screening, f.opened_at, f.updated_at)
        for f in CareFile.objects.all()
    )
    entries = [
        (e.file.student_id, e.kind, e.actor_id, e.text, e.at)
        for e in Entry.objects.select_related("file").order_by("pk")
    ]
    events = [
        (e.verb, e.actor_id, e.data, e.at)
        for e in Event.objects.filter(seq__gt=since_event, subject_type="care.carefile").order_by(
            "seq"
        )
    ]
    return files, entries, events


def _setup_existing(campus):
    """wangwu already has a file (opened by the psych centre an hour earlier)."""
    services.care_file_open_or_update(
        actor=campus.wu,
        student=campus.wangwu,
        via=Via.PSYCH,
        risk_factors=["self_harm"],
        now=NOW - datetime.timedelta(hours=1),
    )


def _last_seq():
    return Event.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


@pytest.mark.django_db
def test_batched_path_writes_what_single_calls_write(campus):
    _setup_existing(campus)
    seq = _last_seq()
    single = None
    try:
        with transaction.atomic():
            for item in _items(campus):
                services.care_file_open_or_update(actor=campus.wu, now=NOW, **item)
            single = _written(seq)
            raise Rollback
    except Rollback:
        pass
    assert single is not None and len(single[2]) == 4
    files = services.care_files_open_or_update(actor=campus.wu, items=_items(campus), now=NOW)
    assert [f.student_id for f in files] == [s["student"].pk for s in _items(campus)]
    assert files[0] is files[3] and all(f.pk for f in files)
    assert _written(seq) == single
    verbs = [e[0] for e in single[2]]
    assert verbs == ["care.opened", "care.opened", "care.updated", "care.updated"]
    # Still encrypted in the database, and no content in the events.
    with connection.cursor() as cursor:
        cursor.execute("SELECT risk_factors, screening FROM care_carefile")
        assert all(v.startswith("sw1:") for row in cursor.fetchall() for v in row)
        cursor.execute("SELECT text FROM care_entry WHERE text != ''")
        assert all(row[0].startswith("sw1:") for row in cursor.fetchall())
    assert "self_harm" not in str(single[2]) and "复查" not in str(single[2])


@pytest.mark.django_db
def test_one_bad_item_writes_nothing(campus):
    seq = _last_seq()
    bad = [*_items(campus), {"student": campus.lisi, "via": Via.SCREENING, "risk_factors": ["?"]}]
    with pytest.raises(ValidationError):
        services.care_files_open_or_update(actor=campus.wu, items=bad, now=NOW)
    refused = [{"student": campus.lisi, "via": Via.COUNSELLOR}]
    with pytest.raises(PermissionDenied):
        services.care_files_open_or_update(actor=campus.zhang, items=refused, now=NOW)
    assert not CareFile.objects.exists() and _last_seq() == seq

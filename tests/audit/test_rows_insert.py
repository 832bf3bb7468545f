"""rows_insert: many rows as plain dicts, through COPY on PostgreSQL above COPY_MIN_ROWS and
bulk_create otherwise; both leave the same rows."""

import datetime

import pytest
from django.db import connection, transaction

from shouwang.audit.services import COPY_MIN_ROWS, event_record, rows_insert
from shouwang.notify.models import Message

AT = datetime.datetime(2026, 3, 1, 14, 0, tzinfo=datetime.UTC)


def message_rows(n, tag):
    # "body" is left out: it takes the model's default ("").
    return [
        {
            "kind": "test",
            "subject_type": "t.t",
            "subject_id": f"{tag}{i}",
            "title": f"标题 {i}",
            "url": "/x",
            "created_at": AT,
        }
        for i in range(n)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("n", [3, COPY_MIN_ROWS + 7])
def test_ids_come_back_in_order_and_defaults_fill_the_rest(n):
    with transaction.atomic():
        ids = rows_insert(Message, message_rows(n, "a"), ids=True)
    assert len(ids) == n == len(set(ids))
    stored = {m.pk: m for m in Message.objects.filter(pk__in=ids)}
    assert [stored[pk].subject_id for pk in ids] == [f"a{i}" for i in range(n)]
    assert all(stored[pk].body == "" and stored[pk].created_at == AT for pk in ids)


@pytest.mark.django_db
def test_a_row_without_a_required_value_is_refused_before_anything_is_written():
    rows = [
        {"kind": "test", "subject_type": "t.t", "title": "x", "created_at": AT}
        for _ in range(COPY_MIN_ROWS)
    ]
    if connection.vendor == "postgresql":
        with pytest.raises(ValueError, match="subject_id"), transaction.atomic():
            rows_insert(Message, rows)
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_events_in_a_large_batch_keep_their_chinese_data():
    from shouwang.audit.models import Event
    from shouwang.audit.selectors import chain_verify
    from shouwang.audit.services import batched_events

    with transaction.atomic(), batched_events():
        for i in range(COPY_MIN_ROWS + 1):
            event_record(
                actor=None,
                subject=("test.thing", i),
                verb="thing.noted",
                at=AT,
                data={"i": i, "note": "记录备查", "nested": {"list": [1, None, "二"]}},
            )
    assert Event.objects.count() == COPY_MIN_ROWS + 1
    assert Event.objects.get(subject_id="7").data == {
        "i": 7,
        "note": "记录备查",
        "nested": {"list": [1, None, "二"]},
    }
    assert chain_verify() is None


@pytest.mark.django_db
def test_no_prefix_indexes_on_hash_and_key_columns():
    """Nothing searches event hashes or idempotency keys by prefix: the pattern-ops indexes
    Django adds beside unique text columns on PostgreSQL are dropped by migration."""
    if connection.vendor != "postgresql":
        pytest.skip("pattern-ops indexes exist only on PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname FROM pg_indexes WHERE tablename IN"
            " ('audit_event', 'notify_delivery') AND indexdef LIKE '%varchar_pattern_ops%'"
        )
        assert cursor.fetchall() == []
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'notify_delivery'"
            " AND indexdef LIKE '%UNIQUE%(idempotency_key)%'"
        )
        assert cursor.fetchall(), "the idempotency key stays unique"


@pytest.mark.django_db
def test_a_few_rows_in_one_insert_are_stored_as_bulk_create_stores_them():
    """Below COPY_MIN_ROWS (and without ids) rows go in one INSERT written from the model's
    metadata: the same stored values (text, defaults, aware times that compare as times, JSON)
    as bulk_create leaves."""
    from shouwang.escalation.models import Deadline

    later = AT + datetime.timedelta(minutes=5)
    with transaction.atomic():
        rows_insert(Message, message_rows(3, "few"))
        Message.objects.bulk_create([Message(**row) for row in message_rows(3, "orm")])
        rows_insert(
            Deadline,
            [
                {
                    "kind": "k",
                    "subject_type": "t.t",
                    "subject_id": "1",
                    "due_at": later,
                    "created_at": AT,
                }
            ],
        )
    few = list(
        Message.objects.filter(subject_id__startswith="few")
        .order_by("pk")
        .values_list("title", "body", "created_at", "url")
    )
    orm = list(
        Message.objects.filter(subject_id__startswith="orm")
        .order_by("pk")
        .values_list("title", "body", "created_at", "url")
    )
    assert few == orm and few[0][2] == AT
    deadline = Deadline.objects.get(subject_id="1")
    assert (deadline.state, deadline.fence, deadline.attempts, deadline.due_at) == (
        "open",
        0,
        0,
        later,
    )
    assert (
        Deadline.objects.filter(due_at__gt=AT, due_at__lte=later).count() == 1
    )  # compares as a time


@pytest.mark.django_db
def test_a_few_rows_missing_a_required_value_are_refused_and_nothing_is_written():
    rows = [{"kind": "test", "subject_type": "t.t", "title": "x", "created_at": AT}]
    with pytest.raises(ValueError, match="subject_id"), transaction.atomic():
        rows_insert(Message, rows)
    assert not Message.objects.exists()

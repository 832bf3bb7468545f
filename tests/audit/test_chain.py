import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from shouwang.audit.models import AppendOnlyError, Event
from shouwang.audit.selectors import chain_verify, events_for_subject
from shouwang.audit.services import event_record


def record_n(n, actor=None):
    for i in range(n):
        with transaction.atomic():
            event_record(
                actor=actor,
                subject=("test.thing", i),
                verb="thing.noted",
                data={"i": i, "note": "记录备查"},
            )


def raw(sql, params=()):
    with connection.cursor() as c:
        c.execute(sql, params)


def drop_triggers():
    # What an attacker with database rights would do first.
    if connection.vendor == "postgresql":
        raw("SET session_replication_role = replica")
    else:
        raw("DROP TRIGGER audit_event_no_update")
        raw("DROP TRIGGER audit_event_no_delete")


def test_events_chain_and_verify(db, school):
    record_n(5, actor=school.zhang)
    assert chain_verify() is None
    events = list(Event.objects.order_by("seq"))
    assert [e.seq for e in events][-5:] == [events[-5].seq + i for i in range(5)]
    for prev, cur in zip(events, events[1:], strict=False):
        assert cur.prev_hash == prev.hash
    assert events[-1].actor_label == "zhang"
    assert [e.data["i"] for e in events_for_subject(("test.thing", 3))] == [3]


def test_event_record_outside_transaction_refused(transactional_db):
    with pytest.raises(RuntimeError):
        event_record(actor=None, subject=("test.thing", 1), verb="x")


def test_orm_refuses_update_and_delete(db):
    record_n(1)
    e = Event.objects.get()
    e.verb = "changed"
    with pytest.raises(AppendOnlyError):
        e.save()
    with pytest.raises(AppendOnlyError):
        e.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=e.pk).update(verb="x")
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()


def test_database_trigger_refuses_direct_sql(db):
    record_n(1)
    with pytest.raises(Exception, match="append-only"):
        with transaction.atomic():
            raw("UPDATE audit_event SET verb = 'x'")
    with pytest.raises(Exception, match="append-only"):
        with transaction.atomic():
            raw("DELETE FROM audit_event")


@pytest.mark.parametrize(
    "tamper, seq, kind",
    [
        ("UPDATE audit_event SET data = %s WHERE seq = 3", 3, "altered"),
        ("DELETE FROM audit_event WHERE seq = 2", 2, "missing"),
        ("DELETE FROM audit_event WHERE seq = 5", 5, "missing"),
    ],
)
def test_verify_audit_names_first_tampered_event(db, tamper, seq, kind):
    record_n(5)
    drop_triggers()
    params = ['{"i": 99}'] if "%s" in tamper else []
    raw(tamper, params)
    problem = chain_verify()
    assert (problem.seq, problem.kind) == (seq, kind)
    with pytest.raises(CommandError, match=f"#{seq}"):
        call_command("verify_audit")


def test_verify_audit_catches_inserted_event(db):
    record_n(3)
    drop_triggers()
    e2 = Event.objects.get(seq=2)
    # Shift seq 3 up and slip a forged event in at 3, with a correctly computed own hash.
    raw("UPDATE audit_event SET seq = 4 WHERE seq = 3")
    raw("UPDATE audit_chainhead SET seq = 4")
    from django.utils import timezone

    from shouwang.audit.chain import event_hash

    now = timezone.now()
    forged = event_hash(
        prev_hash=e2.hash,
        seq=3,
        subject_type="test.thing",
        subject_id="x",
        actor_id=None,
        actor_label="system",
        verb="forged",
        data={},
        at=now,
    )
    raw(
        "INSERT INTO audit_event "
        "(seq, subject_type, subject_id, actor_label, verb, data, at, prev_hash, hash) "
        "VALUES (3, 'test.thing', 'x', 'system', 'forged', %s, %s, %s, %s)",
        ["{}", now, e2.hash, forged],
    )
    problem = chain_verify()
    # The forged row itself is named: #4 (the original #3) still links to #2, past it.
    assert (problem.seq, problem.kind) == (3, "inserted")


def test_verify_audit_command_passes_on_intact_chain(db, capsys):
    record_n(2)
    call_command("verify_audit")
    assert "intact" in capsys.readouterr().out

"""A timeline that survives an attacker with database access (issue 18, item 3): someone who can
write the database and has read the source rewrites one event and re-hashes every later row and
the chain head. With SHOUWANG_AUDIT_KEY the forgery is caught and the forged row named; with the
key leaked too, a signed checkpoint still catches it."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from shouwang.audit.chain import event_hash
from shouwang.audit.checkpoints import checkpoint_write, keys_generate
from shouwang.audit.models import Event
from shouwang.audit.selectors import chain_verify
from shouwang.audit.services import event_record
from shouwang.ops.management.commands.check_deploy import deploy_problems

from .test_chain import drop_triggers, raw

KEY = "k" * 48


@pytest.fixture
def keyed(settings):
    settings.AUDIT_KEY = KEY
    return settings


@pytest.fixture
def signing(settings, tmp_path):
    key_file = tmp_path / "keys" / "audit.pem"
    key_file.parent.mkdir()
    public = keys_generate(key_file)
    settings.AUDIT_SIGNING_KEY_FILE = str(key_file)
    settings.AUDIT_CHECKPOINT_DIR = str(tmp_path / "checkpoints")
    return {"dir": tmp_path / "checkpoints", "public": public}


def record(n, start=0):
    for i in range(start, start + n):
        with transaction.atomic():
            event_record(actor=None, subject=("test.thing", i), verb="thing.noted", data={"i": i})


def rewrite_from(seq, *, key=None, data=None, only_this_row=False):
    """The attack: change event #seq's data, recompute its hash and (unless only_this_row) every
    later row's prev_hash and hash, and the chain head, exactly as audit/services.py does."""
    drop_triggers()
    rows = list(Event.objects.order_by("seq").values())
    prev = next(r["hash"] for r in rows if r["seq"] == seq - 1) if seq > 1 else "0" * 64
    for row in rows:
        if row["seq"] < seq:
            continue
        if row["seq"] == seq:
            row["data"] = data or {"i": "forged"}
        elif only_this_row:
            break
        new = event_hash(
            prev_hash=prev,
            seq=row["seq"],
            subject_type=row["subject_type"],
            subject_id=row["subject_id"],
            actor_id=row["actor_id"],
            actor_label=row["actor_label"],
            verb=row["verb"],
            data=row["data"],
            at=row["at"],
            key=key,
        )
        raw(
            "UPDATE audit_event SET data = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [json.dumps(row["data"]), prev, new, row["seq"]],
        )
        prev = new
    if not only_this_row:
        raw("UPDATE audit_chainhead SET hash = %s WHERE id = 1", [prev])


def test_without_a_key_the_whole_chain_rehash_goes_unnoticed(db):
    """Why the key is needed: the trial chain's links are plain SHA-256, computable by anyone."""
    record(12)
    rewrite_from(5)
    assert chain_verify() is None


def test_with_the_key_the_whole_chain_rehash_is_caught_at_the_forged_row(db, keyed):
    record(12)
    rewrite_from(5)  # the attacker re-hashes as the source says, but cannot compute the HMAC
    problem = chain_verify()
    assert (problem.seq, problem.kind) == (5, "altered") and "audit key" in problem.detail
    with pytest.raises(CommandError, match="#5"):
        call_command("verify_audit")


def test_a_rewritten_row_is_named_even_when_it_was_rehashed_with_the_leaked_key(db, keyed):
    record(12)
    rewrite_from(7, key=KEY.encode(), only_this_row=True)  # #8 still links to the original #7
    problem = chain_verify()
    assert (problem.seq, problem.kind) == (7, "altered") and "still links" in problem.detail


def test_a_checkpoint_catches_the_rehash_even_if_the_key_leaked(db, keyed, signing):
    record(8)
    assert checkpoint_write(now=timezone.now())["seq"] == 8
    record(4, start=8)
    assert checkpoint_write(now=timezone.now())["seq"] == 12
    call_command("verify_audit", checkpoints=str(signing["dir"]), public_key=str(signing["public"]))
    rewrite_from(5, key=KEY.encode())  # the key leaked: every link verifies
    assert chain_verify() is None
    with pytest.raises(
        CommandError, match=r"#8 \(checkpoint\).*after the first event and up to #8"
    ):
        call_command(
            "verify_audit", checkpoints=str(signing["dir"]), public_key=str(signing["public"])
        )


def test_a_checkpoint_catches_removed_tail_events(db, keyed, signing):
    record(6)
    checkpoint_write(now=timezone.now())
    drop_triggers()
    raw("DELETE FROM audit_event WHERE seq >= 5")
    last = Event.objects.order_by("-seq").first()
    raw("UPDATE audit_chainhead SET seq = 4, hash = %s WHERE id = 1", [last.hash])
    with pytest.raises(CommandError, match="missing"):
        call_command(
            "verify_audit", checkpoints=str(signing["dir"]), public_key=str(signing["public"])
        )


def test_a_forged_checkpoint_is_refused(db, keyed, signing):
    record(3)
    checkpoint_write(now=timezone.now())
    path = next(signing["dir"].glob("checkpoint-*.json"))
    doc = json.loads(path.read_text())
    doc["hash"] = "f" * 64
    path.write_text(json.dumps(doc))
    with pytest.raises(CommandError, match="signature"):
        call_command(
            "verify_audit", checkpoints=str(signing["dir"]), public_key=str(signing["public"])
        )


def test_the_worker_chore_writes_once_per_head_and_mails_a_copy(
    db, keyed, signing, settings, mailoutbox
):
    settings.AUDIT_CHECKPOINT_EMAIL = ["security@example.edu.cn"]
    assert checkpoint_write(now=timezone.now()) is None  # nothing to sign yet
    record(2)
    assert checkpoint_write(now=timezone.now())["seq"] == 2
    assert checkpoint_write(now=timezone.now()) is None  # the head has not moved
    assert [p.name for p in signing["dir"].iterdir()] == ["checkpoint-000000000002.json"]
    assert len(mailoutbox) == 1 and '"seq": 2' in mailoutbox[0].body


def test_the_chore_is_registered_with_the_worker():
    from shouwang.ops.sweeps import SWEEPS

    assert any(f.__name__ == "checkpoint_write" for f in SWEEPS)


def test_legacy_rows_before_the_key_are_accepted_only_up_to_the_configured_seq(db, settings):
    record(3)  # a trial without a key
    settings.AUDIT_KEY = KEY
    record(2, start=3)
    assert chain_verify().seq == 1  # unkeyed rows are refused unless declared legacy
    settings.AUDIT_LEGACY_SEQ = 3
    assert chain_verify() is None


def test_check_deploy_in_production_requires_the_audit_key(db, settings):
    settings.AUDIT_KEY = ""
    errors, _warnings = deploy_problems(production=True)
    assert any("SHOUWANG_AUDIT_KEY" in e for e in errors)
    settings.AUDIT_KEY = KEY
    errors, _warnings = deploy_problems(production=True)
    assert not any("SHOUWANG_AUDIT_KEY" in e for e in errors)

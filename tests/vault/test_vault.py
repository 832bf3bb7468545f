"""The field-encryption core: AES-GCM with the key id beside each ciphertext, rotation, start
checks. The care app's tests check its own tables (dumps, read logging) on top of this."""

import base64
import datetime

import pytest
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection, models
from django.test.utils import isolate_apps
from django.utils import timezone

from shouwang.audit.models import Event
from shouwang.audit.services import COPY_MIN_ROWS, rows_insert
from shouwang.ops.vaultcheck import vault_problems
from shouwang.talks.models import GuardianLink
from shouwang.vault import crypto, keys, rotate
from shouwang.vault.fields import EncryptedJSONField, EncryptedTextField

KEY_A = "a:" + base64.b64encode(b"A" * 32).decode()
KEY_B = "b:" + base64.b64encode(b"B" * 32).decode()


@pytest.fixture
def key_a(settings):
    settings.ENCRYPTION_KEY = KEY_A
    return settings


def test_a_value_round_trips_and_carries_its_key_id(key_a):
    stored = crypto.encrypt("单亲家庭；自残史", aad="care.File.notes")
    assert stored.startswith("sw1:a:") and "单亲" not in stored
    assert crypto.decrypt(stored, aad="care.File.notes") == "单亲家庭；自残史"
    # A fresh nonce each time: equal plaintexts do not show as equal ciphertexts.
    assert crypto.encrypt("x", aad="t") != crypto.encrypt("x", aad="t")


def test_a_ciphertext_moved_to_another_column_or_altered_does_not_decrypt(key_a):
    stored = crypto.encrypt("心理疾病", aad="care.File.notes")
    with pytest.raises(crypto.VaultError):
        crypto.decrypt(stored, aad="care.File.diagnosis")
    tampered = stored[:-4] + ("AAAA" if not stored.endswith("AAAA") else "BBBB")
    with pytest.raises(crypto.VaultError):
        crypto.decrypt(tampered, aad="care.File.notes")
    with pytest.raises(crypto.VaultError, match="not ciphertext"):
        crypto.decrypt("plain text", aad="care.File.notes")


def test_a_key_that_is_not_configured_is_named_not_guessed(settings):
    settings.ENCRYPTION_KEY = KEY_B
    stored = crypto.encrypt("x", aad="t")
    settings.ENCRYPTION_KEY = KEY_A
    with pytest.raises(crypto.VaultError, match="'b'"):
        crypto.decrypt(stored, aad="t")
    settings.ENCRYPTION_KEY = f"{KEY_A},{KEY_B}"  # a is current, b still decrypts
    assert crypto.decrypt(stored, aad="t") == "x"
    assert crypto.encrypt("y", aad="t").startswith("sw1:a:")


@pytest.mark.parametrize(
    "value,message",
    [
        ("not-base64!!", "entry 1 is not a base64-encoded 32-byte key"),
        (base64.b64encode(b"short").decode(), "entry 1 is not"),
        (f"{KEY_A},x:{base64.b64encode(b'C' * 31).decode()}", "entry 2 is not"),
        ("bad.id:" + KEY_A.split(":")[1], "id may use"),
        (f"{KEY_A},a:{KEY_B.split(':')[1]}", "two different keys share the id a"),
    ],
)
def test_a_malformed_key_stops_the_start_with_a_clear_line(settings, value, message):
    settings.ENCRYPTION_KEY = value
    with pytest.raises(ImproperlyConfigured, match=message):
        keys.keyring()
    assert message in vault_problems()[0]


def test_a_bare_key_gets_an_id_derived_from_it(settings):
    bare = KEY_A.split(":")[1]
    settings.ENCRYPTION_KEY = bare
    assert keys.keyring().current == keys.derived_id(b"A" * 32)


def test_a_trial_without_a_key_generates_one_once_and_keeps_it(settings, tmp_path, caplog):
    settings.ENCRYPTION_KEY = ""
    settings.VAR_DIR = tmp_path
    ring = keys.keyring()
    path = tmp_path / "encryption.key"
    assert path.stat().st_mode & 0o777 == 0o600
    assert "trial key" in caplog.text and str(path) in caplog.text
    assert ring.key(ring.current) not in caplog.text.encode()  # the key itself is never logged
    stored = crypto.encrypt("x", aad="t")
    keys._cache.clear()
    caplog.clear()
    assert keys.keyring() == ring and crypto.decrypt(stored, aad="t") == "x"
    assert "trial key" not in caplog.text  # said once, when it was made


def test_encrypted_columns_refuse_lookups_other_than_isnull(key_a):
    field = EncryptedTextField()
    field.set_attributes_from_name("notes")
    with pytest.raises(FieldError, match="encrypted"):
        field.get_lookup("exact")
    assert field.get_lookup("isnull") is not None


@pytest.fixture
def secret_table(transactional_db, key_a):
    """A throwaway table with an encrypted text and an encrypted JSON column."""
    with isolate_apps("shouwang.vault"):

        class Secret(models.Model):
            notes = EncryptedTextField(blank=True)
            factors = EncryptedJSONField(default=list)

            class Meta:
                app_label = "vault_test"

    with connection.schema_editor() as editor:
        editor.create_model(Secret)
    yield Secret
    with connection.schema_editor() as editor:
        editor.delete_model(Secret)


def _raw(model):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT notes, factors FROM {model._meta.db_table} ORDER BY id")
        return cursor.fetchall()


def test_the_database_holds_only_ciphertext_and_rotation_rewrites_it(
    secret_table, settings, monkeypatch
):
    Secret = secret_table
    one = Secret.objects.create(notes="自杀未遂史", factors=["单亲/离异家庭", "经济困难"])
    Secret.objects.create(notes="", factors=[])
    for notes, factors in _raw(Secret):
        assert notes.startswith("sw1:a:") and factors.startswith("sw1:a:")
        assert "自杀" not in notes and "单亲" not in factors
    assert Secret.objects.get(pk=one.pk).factors == ["单亲/离异家庭", "经济困难"]

    monkeypatch.setattr(
        rotate,
        "encrypted_fields",
        lambda: [(Secret, Secret._meta.get_field(n)) for n in ("notes", "factors")],
    )
    settings.ENCRYPTION_KEY = f"{KEY_B},{KEY_A}"  # the new key first, the old one still reads
    assert vault_problems() == []
    call_command("rotate_encryption_key", stdout=open("/dev/null", "w"))
    assert all(n.startswith("sw1:b:") and f.startswith("sw1:b:") for n, f in _raw(Secret))
    event = Event.objects.get(verb="vault.rotated")
    assert event.data["rewritten"] == {"vault_test.Secret.notes": 2, "vault_test.Secret.factors": 2}
    settings.ENCRYPTION_KEY = KEY_B  # the old key can go: every value reads under the new one
    assert Secret.objects.get(pk=one.pk).notes == "自杀未遂史"
    # A rerun has nothing left to rewrite.
    assert rotate.reencrypt() == {"vault_test.Secret.notes": 0, "vault_test.Secret.factors": 0}


def test_a_wrong_key_at_start_is_a_clear_error_not_garbage(secret_table, settings, monkeypatch):
    Secret = secret_table
    Secret.objects.create(notes="心理疾病")
    monkeypatch.setattr(
        rotate, "encrypted_fields", lambda: [(Secret, Secret._meta.get_field("notes"))]
    )
    settings.ENCRYPTION_KEY = KEY_B
    problems = vault_problems()
    assert problems and "vault_test.Secret.notes" in problems[0]
    with pytest.raises(crypto.VaultError):
        Secret.objects.get()


@pytest.mark.parametrize("command", ["worker", "check_deploy"])
def test_the_worker_and_check_deploy_refuse_a_malformed_key(db, settings, command):
    settings.ENCRYPTION_KEY = "not-a-key"
    with pytest.raises(Exception, match="SHOUWANG_ENCRYPTION_KEY|1 problem"):
        call_command(command, **({"once": True} if command == "worker" else {}))


@pytest.mark.django_db
def test_rows_insert_encrypts_on_every_path(school):
    """audit.services.rows_insert takes a fast path per size (one INSERT, bulk_create, COPY on
    PostgreSQL): an encrypted column holds ciphertext whichever it takes."""
    now = timezone.now()
    for n in (1, COPY_MIN_ROWS + 5):
        rows = [
            {
                "student_id": school.zhangsan.pk,
                "phone": "13900000001",
                "nonce_hash": f"{n}-{i}",
                "pending_url": f"https://sw.example/talks/guardian/secret{i}/",
                "created_at": now,
                "expires_at": now + datetime.timedelta(hours=1),
            }
            for i in range(n)
        ]
        rows_insert(GuardianLink, rows)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pending_url FROM talks_guardianlink")
        stored = [row[0] for row in cursor.fetchall()]
    assert len(stored) == COPY_MIN_ROWS + 6
    assert all(value.startswith("sw1:") and "secret" not in value for value in stored)
    assert GuardianLink.objects.order_by("pk").first().pending_url.startswith("https://")

"""Re-encrypt every stored value with the keyring's current key, while the site runs.

Each row is rewritten with a compare-and-set update (`WHERE pk = … AND column = <the old
ciphertext>`), so a value changed by a request meanwhile (already under the current key) is
left alone, never overwritten with an older plaintext.
"""

from django.db import connection, transaction

from .crypto import PREFIX, VaultError, decrypt, encrypt
from .fields import encrypted_fields
from .keys import keyring

BATCH = 500


def _columns(model, field):
    qn = connection.ops.quote_name
    return qn(model._meta.db_table), qn(model._meta.pk.column), qn(field.column)


def stale(model, field) -> list[tuple]:
    """(pk, stored) of the column's values not under the current key."""
    table, pk, column = _columns(model, field)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {pk}, {column} FROM {table} "  # noqa: S608 (quoted names, bound value)
            f"WHERE {column} IS NOT NULL AND {column} NOT LIKE %s ORDER BY {pk}",
            [f"{PREFIX}:{keyring().current}:%"],
        )
        return cursor.fetchall()


def reencrypt() -> dict[str, int]:
    """{"app.Model.field": values rewritten}. Raises VaultError (naming the column) when a
    value does not decrypt with any configured key: nothing of that batch is written."""
    done: dict[str, int] = {}
    for model, field in encrypted_fields():
        table, pk, column = _columns(model, field)
        rows = stale(model, field)
        count = 0
        for start in range(0, len(rows), BATCH):
            with transaction.atomic(), connection.cursor() as cursor:
                for key, stored in rows[start : start + BATCH]:
                    fresh = encrypt(decrypt(stored, aad=field.aad()), aad=field.aad())
                    cursor.execute(
                        f"UPDATE {table} SET {column} = %s "  # noqa: S608
                        f"WHERE {pk} = %s AND {column} = %s",
                        [fresh, key, stored],
                    )
                    count += cursor.rowcount
        done[field.aad()] = count
    return done


def unreadable(limit: int = 1) -> list[str]:
    """Columns holding a value that no configured key decrypts (checked on up to `limit` stale
    values per column, and on one value under the current key): a wrong key at start."""
    found = []
    for model, field in encrypted_fields():
        table, pk, column = _columns(model, field)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL "  # noqa: S608
                f"ORDER BY {pk} DESC",
            )
            samples = [row[0] for row in cursor.fetchmany(limit)]
        samples += [stored for _pk, stored in stale(model, field)[:limit]]
        for stored in samples:
            try:
                decrypt(stored, aad=field.aad())
            except VaultError:
                found.append(field.aad())
                break
    return found

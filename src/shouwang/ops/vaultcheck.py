"""At start (serve, worker, check-deploy): the encryption keys must read the stored care data.
A malformed SHOUWANG_ENCRYPTION_KEY or a key that does not decrypt what is stored stops the
process with a clear line, instead of serving errors or writing under a key nobody keeps."""

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

from shouwang.vault import keys, rotate


def vault_problems() -> list[str]:
    try:
        keys.keyring()
    except ImproperlyConfigured as exc:
        return [str(exc)]
    try:
        columns = rotate.unreadable()
    except DatabaseError:
        return []  # not migrated yet: nothing stored to read
    if columns:
        return [
            "SHOUWANG_ENCRYPTION_KEY does not decrypt the stored values of "
            + ", ".join(columns)
            + " (a wrong key, or an old key removed before `shouwang rotate-encryption-key`)"
        ]
    return []

"""An attachment's bytes, encrypted at rest like every other care column.

The bytes are sealed by `vault.crypto.encrypt_bytes` and kept as `sw1:` text, so the field is a
vault field: `rotate-encryption-key` re-encrypts it and the start check reads it like the others.
"""

from django.db import models

from shouwang.vault.crypto import decrypt_bytes, encrypt_bytes
from shouwang.vault.fields import EncryptedMixin


class EncryptedBytesField(EncryptedMixin, models.TextField):
    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt_bytes(bytes(value), aad=self.aad())

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return decrypt_bytes(value, aad=self.aad())

    def to_python(self, value):
        return value

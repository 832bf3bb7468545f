"""Model fields whose values are stored encrypted (R-CARE-4): text, and JSON (a list of risk
factors, a dict of scale scores). In Python they are plain values; in the database, and so in
any dump of it, they are `sw1:…` ciphertext (vault.crypto).

Encrypted columns cannot be searched: any lookup other than `isnull` is refused rather than
silently comparing ciphertexts (which never match: every encryption draws a fresh nonce).
"""

import json

from django.apps import apps
from django.core.exceptions import FieldError
from django.db import models

from .crypto import decrypt, encrypt


class EncryptedMixin:
    def aad(self) -> str:
        model = getattr(self, "model", None)  # unbound until the field joins a model
        return f"{model._meta.label if model else '?'}.{self.name}"  # type: ignore[attr-defined]

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            raise FieldError(
                f"{self.aad()} is encrypted: it cannot be filtered with '{lookup_name}'"
            )
        return super().get_lookup(lookup_name)  # type: ignore[misc]

    def to_text(self, value) -> str:
        raise NotImplementedError

    def from_text(self, text: str):
        raise NotImplementedError

    def get_prep_value(self, value):
        if value is None:
            return None
        return encrypt(self.to_text(value), aad=self.aad())

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return self.from_text(decrypt(value, aad=self.aad()))


class EncryptedTextField(EncryptedMixin, models.TextField):
    def to_text(self, value) -> str:
        return str(value)

    def from_text(self, text: str):
        return text

    def to_python(self, value):
        return value if value is None or isinstance(value, str) else str(value)


class EncryptedJSONField(EncryptedMixin, models.TextField):
    """Any JSON value (default: the callable given, e.g. list or dict)."""

    def to_text(self, value) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def from_text(self, text: str):
        return json.loads(text)

    def to_python(self, value):
        return value

    def value_to_string(self, obj):
        return self.to_text(self.value_from_object(obj))


def encrypted_fields():
    """(model, field) for every encrypted column of the installed apps."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedMixin)
    ]

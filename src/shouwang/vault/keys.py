"""The keyring: which AES-256 keys may decrypt, and which one encrypts.

`SHOUWANG_ENCRYPTION_KEY` holds one or more entries separated by commas, newest first:
`id:base64key` (or a bare base64 key, whose id is derived from it). The first entry encrypts;
every entry decrypts. Rotation without downtime: put a new entry first (`shouwang
rotate-encryption-key --generate` prints one), restart, run `shouwang rotate-encryption-key`
to re-encrypt every stored value with it, then drop the old entry.

A trial (the variable unset) still encrypts: with a key generated once under
`SHOUWANG_VAR_DIR/encryption.key` (mode 0600), said once when it is made. A malformed entry
is a configuration error at start, never a silent fall-back to plaintext.
"""

import base64
import binascii
import hashlib
import logging
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger(__name__)

KEY_BYTES = 32  # AES-256
KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
TRIAL_FILE = "encryption.key"


@dataclass(frozen=True)
class Keyring:
    current: str
    keys: dict[str, bytes]
    source: str  # "environment" or the trial file's path

    def key(self, key_id: str) -> bytes | None:
        return self.keys.get(key_id)


def _decode(text: str) -> bytes | None:
    text = text.strip()
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            raw = decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            continue
        if len(raw) == KEY_BYTES:
            return raw
    return None


def derived_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:8]


def parse(value: str, *, origin: str) -> Keyring:
    """The keyring an entry list describes; ImproperlyConfigured naming the bad entry."""
    keys: dict[str, bytes] = {}
    order: list[str] = []
    entries = [e for e in re.split(r"[,\s]+", value.strip()) if e]
    if not entries:
        raise ImproperlyConfigured(f"{origin}: no encryption key")
    for number, entry in enumerate(entries, 1):
        key_id, sep, text = entry.partition(":")
        if not sep:
            key_id, text = "", entry
        raw = _decode(text)
        if raw is None:
            raise ImproperlyConfigured(
                f"{origin}: entry {number} is not a base64-encoded {KEY_BYTES}-byte key "
                "(generate one with `shouwang rotate-encryption-key --generate`)"
            )
        key_id = key_id or derived_id(raw)
        if not KEY_ID_RE.match(key_id):
            raise ImproperlyConfigured(
                f"{origin}: entry {number}'s id may use up to 16 letters, digits, '-' and '_'"
            )
        if key_id in keys and keys[key_id] != raw:
            raise ImproperlyConfigured(f"{origin}: two different keys share the id {key_id}")
        keys[key_id] = raw
        order.append(key_id)
    return Keyring(current=order[0], keys=keys, source=origin)


def new_entry(key_id: str | None = None) -> str:
    raw = secrets.token_bytes(KEY_BYTES)
    return f"{key_id or derived_id(raw)}:{base64.b64encode(raw).decode()}"


def trial_path() -> Path:
    return Path(settings.VAR_DIR) / TRIAL_FILE


def _trial() -> Keyring:
    path = trial_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting together make one key, not two.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(new_entry() + "\n")
            log.warning(
                "SHOUWANG_ENCRYPTION_KEY is not set: care data is encrypted with a trial key "
                "generated in %s. Back it up (without it the data cannot be read) and set "
                "SHOUWANG_ENCRYPTION_KEY in production.",
                path,
            )
    return parse(path.read_text(), origin=str(path))


_cache: dict[tuple, Keyring] = {}


def keyring() -> Keyring:
    """The keyring for the current settings (cached per setting, so tests may override it)."""
    configured = getattr(settings, "ENCRYPTION_KEY", "") or ""
    cache_key = (configured, str(getattr(settings, "VAR_DIR", "")))
    ring = _cache.get(cache_key)
    if ring is None:
        ring = parse(configured, origin="SHOUWANG_ENCRYPTION_KEY") if configured else _trial()
        _cache[cache_key] = ring
    return ring


def add_trial_key() -> Keyring:
    """Rotation in a trial: a new key first in the trial file, the old ones kept to decrypt."""
    path = trial_path()
    ring = keyring()
    path.write_text(new_entry() + "\n" + path.read_text())
    _cache.clear()
    fresh = keyring()
    assert fresh.current != ring.current
    return fresh

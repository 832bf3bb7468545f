"""AES-GCM with the key id beside the ciphertext: `sw1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>`.

The associated data names the column (`app_label.Model.field`), so a ciphertext copied into
another column or table does not decrypt. A value that cannot be decrypted — unknown key id,
wrong key, altered bytes, or plaintext where ciphertext belongs — raises VaultError; nothing is
ever returned as is.
"""

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .keys import keyring

PREFIX = "sw1"
NONCE_BYTES = 12


class VaultError(Exception):
    """A stored value that cannot be decrypted with the configured keys."""


def encrypt(plaintext: str, *, aad: str) -> str:
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(ring.keys[ring.current]).encrypt(nonce, plaintext.encode(), aad.encode())
    return f"{PREFIX}:{ring.current}:{base64.b64encode(nonce + sealed).decode()}"


def key_id_of(stored: str) -> str | None:
    prefix, sep, rest = stored.partition(":")
    if prefix != PREFIX or not sep:
        return None
    key_id, sep, _ = rest.partition(":")
    return key_id if sep else None


def decrypt(stored: str, *, aad: str) -> str:
    key_id = key_id_of(stored)
    if key_id is None:
        raise VaultError(f"{aad}: the stored value is not ciphertext")
    key = keyring().key(key_id)
    if key is None:
        raise VaultError(
            f"{aad}: encrypted with key {key_id!r}, which SHOUWANG_ENCRYPTION_KEY does not hold"
        )
    try:
        blob = base64.b64decode(stored.split(":", 2)[2], validate=True)
        return AESGCM(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad.encode()).decode()
    except (InvalidTag, ValueError) as exc:
        raise VaultError(f"{aad}: the value does not decrypt with key {key_id!r}") from exc


def encrypt_bytes(data: bytes, *, aad: str) -> str:
    """Bytes (an attachment) sealed like text: the plaintext is their base64, so a stored value
    is ordinary `sw1:` ciphertext that rotation (vault.rotate) re-encrypts like any other."""
    return encrypt(base64.b64encode(data).decode("ascii"), aad=aad)


def decrypt_bytes(stored: str, *, aad: str) -> bytes:
    text = decrypt(stored, aad=aad)
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise VaultError(f"{aad}: the decrypted value is not sealed bytes") from exc

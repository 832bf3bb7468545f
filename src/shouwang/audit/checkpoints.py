"""Signed checkpoints of the timeline: every few minutes the worker signs "after event #seq the
chain's hash was H" with an Ed25519 key kept outside the database, and sends it where the
database administrator cannot rewrite it: a file on another volume, an e-mail to the security
office, a webhook. `verify-audit --checkpoints DIR` then proves that every checkpointed prefix of
the timeline is unchanged, even against someone who also knows SHOUWANG_AUDIT_KEY.
"""

import base64
import json
import logging
import os
import urllib.request
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

from .chain import Checkpoint
from .models import ChainHead

log = logging.getLogger(__name__)
PREFIX = "shouwang-audit-checkpoint"


class CheckpointError(Exception):
    """A checkpoint that cannot be trusted (bad signature, unreadable file)."""


def _statement(seq: int, chain_hash: str, signed_at: str) -> bytes:
    return f"{PREFIX}\n{seq}\n{chain_hash}\n{signed_at}".encode()


def private_key(path: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} is not an Ed25519 private key")
    return key


def public_key(path: str) -> Ed25519PublicKey:
    data = Path(path).read_bytes()
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError:
        key = private_key(path).public_key()  # the private key file: its public half
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"{path} is not an Ed25519 key")
    return key


def keys_generate(private_path: Path) -> Path:
    """Write a new Ed25519 private key (mode 600) and its public key beside it (.pub)."""
    key = Ed25519PrivateKey.generate()
    private_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    os.chmod(private_path, 0o600)
    public_path = private_path.with_suffix(private_path.suffix + ".pub")
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return public_path


def checkpoint_sign(key: Ed25519PrivateKey, *, seq: int, chain_hash: str, signed_at: str) -> dict:
    signature = key.sign(_statement(seq, chain_hash, signed_at))
    return {
        "kind": PREFIX,
        "seq": seq,
        "hash": chain_hash,
        "signed_at": signed_at,
        "signature": base64.b64encode(signature).decode(),
    }


def checkpoint_write(*, now) -> dict | None:
    """Sign the current chain head and publish it (the worker's chore). None when not configured
    or when the head has not moved since the last checkpoint in the directory."""
    if not (settings.AUDIT_SIGNING_KEY_FILE and settings.AUDIT_CHECKPOINT_DIR):
        return None
    head = ChainHead.objects.get(pk=1)
    directory = Path(settings.AUDIT_CHECKPOINT_DIR)
    target = directory / f"checkpoint-{head.seq:012d}.json"
    if head.seq == 0 or target.exists():
        return None
    document = checkpoint_sign(
        private_key(settings.AUDIT_SIGNING_KEY_FILE),
        seq=head.seq,
        chain_hash=head.hash,
        signed_at=now.isoformat(),
    )
    text = json.dumps(document, indent=1)
    directory.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".tmp")
    partial.write_text(text)
    os.replace(partial, target)  # readers never see half a file
    _send_elsewhere(document, text)
    return document


def _send_elsewhere(document: dict, text: str) -> None:
    """Mail and webhook copies: failures are logged, the file is already written."""
    if settings.AUDIT_CHECKPOINT_EMAIL:
        from django.core.mail import send_mail

        try:
            send_mail(
                f"守望 timeline checkpoint #{document['seq']}",
                text,
                None,
                settings.AUDIT_CHECKPOINT_EMAIL,
            )
        except Exception:  # noqa: BLE001 — a mail server down must not stop the worker
            log.exception("checkpoint e-mail failed")
    if settings.AUDIT_CHECKPOINT_WEBHOOK:
        request = urllib.request.Request(
            settings.AUDIT_CHECKPOINT_WEBHOOK,
            data=text.encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.NOTIFY_HTTP_TIMEOUT):
                pass
        except Exception:  # noqa: BLE001
            log.exception("checkpoint webhook failed")


def checkpoints_load(directory: str, key: Ed25519PublicKey) -> list[Checkpoint]:
    """Every checkpoint in `directory`, each signature checked; CheckpointError on a bad one."""
    found = []
    for path in sorted(Path(directory).glob("checkpoint-*.json")):
        try:
            doc = json.loads(path.read_text())
            seq, chain_hash, signed_at = int(doc["seq"]), str(doc["hash"]), str(doc["signed_at"])
            key.verify(base64.b64decode(doc["signature"]), _statement(seq, chain_hash, signed_at))
        except InvalidSignature:
            raise CheckpointError(
                f"{path.name}: the signature does not match (forged or altered checkpoint)"
            ) from None
        except (ValueError, KeyError, TypeError) as exc:
            raise CheckpointError(f"{path.name}: unreadable checkpoint ({exc})") from None
        found.append(Checkpoint(seq=seq, hash=chain_hash, signed_at=signed_at, source=path.name))
    return found

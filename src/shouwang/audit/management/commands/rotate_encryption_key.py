"""`shouwang rotate-encryption-key`: re-encrypt the stored care data with the newest key."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from shouwang.audit.services import event_record
from shouwang.vault import keys, rotate
from shouwang.vault.crypto import VaultError


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value with the first key of SHOUWANG_ENCRYPTION_KEY "
        "(in a trial, a new key is generated first). --generate prints a new key entry."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--generate",
            action="store_true",
            help="print a new key entry to put first in SHOUWANG_ENCRYPTION_KEY, change nothing",
        )

    def handle(self, *args, generate=False, **options):
        if generate:
            self.stdout.write(keys.new_entry())
            return
        ring = keys.keyring()
        if ring.source != "SHOUWANG_ENCRYPTION_KEY":
            ring = keys.add_trial_key()
            self.stdout.write(f"试用密钥文件 {ring.source} 已加入新密钥 {ring.current}")
        try:
            done = rotate.reencrypt()
        except VaultError as exc:
            raise CommandError(
                f"无法解密（{exc}）：请把旧密钥留在 SHOUWANG_ENCRYPTION_KEY 中"
            ) from exc
        with transaction.atomic():
            event_record(
                actor=None,
                subject=("vault.keyring", ring.current),
                verb="vault.rotated",
                data={"key_id": ring.current, "rewritten": done},
            )
        total = sum(done.values())
        self.stdout.write(f"已用密钥 {ring.current} 重新加密 {total} 个字段值")
        for column, count in done.items():
            self.stdout.write(f"  {column}: {count}")
        older = sorted(set(ring.keys) - {ring.current})
        if older:
            self.stdout.write(
                "旧密钥 " + "、".join(older) + " 已不再使用，可从 SHOUWANG_ENCRYPTION_KEY 中删除"
            )

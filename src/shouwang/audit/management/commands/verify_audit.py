from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shouwang.audit.checkpoints import CheckpointError, checkpoints_load, public_key
from shouwang.audit.models import ChainHead
from shouwang.audit.selectors import chain_verify


class Command(BaseCommand):
    help = (
        "Walk the timeline's hash chain (keyed with "
        "SHOUWANG_AUDIT_KEY) and name the first altered, "
        "inserted or missing event; with --checkpoints, also prove "
        "each signed checkpoint's prefix unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoints", metavar="DIR", help="directory of signed checkpoints to verify against"
        )
        parser.add_argument(
            "--public-key",
            metavar="FILE",
            help="Ed25519 public key (PEM) the checkpoints were "
            "signed with (default: the public half of SHOUWANG_AUDIT_SIGNING_KEY_FILE)",
        )

    def handle(self, *args, checkpoints=None, public_key_file=None, **options):
        public_key_file = options.get("public_key") or public_key_file
        loaded = []
        if checkpoints:
            key_file = public_key_file or settings.AUDIT_SIGNING_KEY_FILE
            if not key_file:
                raise CommandError(
                    "--checkpoints needs --public-key (or SHOUWANG_AUDIT_SIGNING_KEY_FILE)"
                )
            try:
                loaded = checkpoints_load(checkpoints, public_key(key_file))
            except CheckpointError as exc:
                raise CommandError(f"checkpoint refused: {exc}") from None
        problem = chain_verify(checkpoints=loaded)
        if problem is not None:
            raise CommandError(
                f"timeline chain broken at event #{problem.seq} ({problem.kind}): {problem.detail}"
            )
        keyed = "keyed" if settings.AUDIT_KEY else "NOT keyed (set SHOUWANG_AUDIT_KEY)"
        against = f", {len(loaded)} signed checkpoint(s) matched" if checkpoints else ""
        self.stdout.write(
            f"timeline intact: {ChainHead.objects.get(pk=1).seq} events verified, {keyed}{against}"
        )

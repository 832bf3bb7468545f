from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shouwang.audit.checkpoints import keys_generate


class Command(BaseCommand):
    help = "Write a new Ed25519 key pair for signing timeline checkpoints (FILE and FILE.pub)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="where to write the private key (PEM, mode 600)")

    def handle(self, *args, file, **options):
        path = Path(file)
        if path.exists():
            raise CommandError(f"{path} exists: refusing to overwrite a signing key")
        public = keys_generate(path)
        self.stdout.write(
            f"private key: {path} (set SHOUWANG_AUDIT_SIGNING_KEY_FILE to it; keep it off the "
            "database server's disks if you can)\n"
            f"public key:  {public} (give it to whoever verifies)"
        )

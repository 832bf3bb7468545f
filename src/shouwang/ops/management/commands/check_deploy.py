from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from shouwang.ops.models import WorkerHeartbeat
from shouwang.ops.sweeps import HEALTH_CHECKS
from shouwang.ops.vaultcheck import vault_problems


def deploy_problems(*, production: bool) -> tuple[list[str], list[str]]:
    """(errors, warnings). Errors are only errors in production mode."""
    findings = []
    if settings.DEBUG:
        findings.append("SHOUWANG_DEBUG is on: tracebacks with data would be shown to users")
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY or len(settings.SECRET_KEY) < 32:
        findings.append(
            "SHOUWANG_SECRET_KEY is the development default or shorter than 32 characters"
        )
    if not settings.ENCRYPTION_KEY:
        findings.append(
            "SHOUWANG_ENCRYPTION_KEY is not set: sensitive care data is encrypted with the trial "
            "key in SHOUWANG_VAR_DIR/encryption.key, kept on the same disk as the data"
        )
    if len(settings.AUDIT_KEY) < 32:
        findings.append(
            "SHOUWANG_AUDIT_KEY is unset or shorter than 32 "
            "characters: someone with database access "
            "could rewrite the timeline and re-hash it unnoticed"
        )
    if not settings.AUDIT_SIGNING_KEY_FILE or not settings.AUDIT_CHECKPOINT_DIR:
        warnings_early = [
            "no signed timeline checkpoints (SHOUWANG_AUDIT_SIGNING_KEY_FILE and "
            "SHOUWANG_AUDIT_CHECKPOINT_DIR): a leaked audit key would go unnoticed"
        ]
    else:
        warnings_early = []
    if "*" in settings.ALLOWED_HOSTS:
        findings.append("SHOUWANG_ALLOWED_HOSTS contains '*'")
    if settings.CAS_ENABLED and not settings.CAS_SERVER_URL.startswith("https://"):
        # Tickets validated over plain HTTP can be answered by anyone on the path.
        findings.append(
            "SHOUWANG_CAS_SERVER_URL is not https://: CAS tickets would be validated in the clear"
        )
    warnings = warnings_early
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        # A small school may start on SQLite; it still works, so this only warns.
        warnings.append(
            "the database is SQLite: use PostgreSQL for production (several workers, replication)"
        )
    fresh = timezone.now() - timedelta(minutes=2)
    if not WorkerHeartbeat.objects.filter(last_seen__gte=fresh).exists():
        warnings.append("no worker has reported in the last 2 minutes: escalations would not run")
    for check in HEALTH_CHECKS:
        warnings += check()
    # Keys that do not read the stored data are an error in any mode.
    broken = vault_problems()
    if production:
        return broken + findings, warnings
    return broken, findings + warnings


class Command(BaseCommand):
    help = "Check the configuration for production use; exits non-zero on an insecure setting."

    def add_arguments(self, parser):
        parser.add_argument(
            "--production",
            action="store_true",
            default=settings.PRODUCTION,
            help="treat findings as errors (default: SHOUWANG_PRODUCTION)",
        )

    def handle(self, *args, production, **options):
        errors, warnings = deploy_problems(production=production)
        for w in warnings:
            self.stdout.write(f"warning: {w}")
        for e in errors:
            self.stderr.write(f"error: {e}")
        if errors:
            raise CommandError(f"{len(errors)} problem(s) must be fixed before production use")
        self.stdout.write(
            "deployment check passed" + ("" if production else " (trial mode; use --production)")
        )

"""shouwang detect-accountability: run the detector over the whole record now (idempotent)."""

from django.core.management.base import BaseCommand

from shouwang.accountability.services import detector_run


class Command(BaseCommand):
    help = (
        "Find 迟报/漏报/瞒报/虚报/未及时到位 in the record and store "
        "the new findings (reruns add none)."
    )

    def handle(self, *args, **options):
        result = detector_run(actor=None)
        by_kind = ", ".join(f"{k}: {n}" for k, n in sorted(result["by_kind"].items())) or "—"
        self.stdout.write(f"{result['created']} new finding(s) ({by_kind})")

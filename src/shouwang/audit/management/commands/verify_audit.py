from django.core.management.base import BaseCommand, CommandError

from shouwang.audit.models import ChainHead
from shouwang.audit.selectors import chain_verify


class Command(BaseCommand):
    help = "Walk the timeline's hash chain and name the first altered, inserted or missing event."

    def handle(self, *args, **options):
        problem = chain_verify()
        if problem is not None:
            raise CommandError(f"timeline chain broken at event #{problem.seq} ({problem.kind}): {problem.detail}")
        self.stdout.write(f"timeline intact: {ChainHead.objects.get(pk=1).seq} events verified")

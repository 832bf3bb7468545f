from django.core.management.base import BaseCommand

from shouwang.org.services import student_accounts_create


class Command(BaseCommand):
    help = "Create accounts for the register's enrolled students who have none (学号)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=None,
            help="one initial password for all (else: first log-in with an SMS code)",
        )

    def handle(self, *args, password=None, **options):
        # The operator at the command line is the system (actor=None), as for imports.
        n = student_accounts_create(actor=None, password=password)
        self.stdout.write(f"{n} student account(s) created or linked.")

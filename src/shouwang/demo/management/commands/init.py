import os
import secrets

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from shouwang.accounts.models import User
from shouwang.org.models import Unit


class Command(BaseCommand):
    help = "Migrate the database and create the first administrator if there is none."

    def add_arguments(self, parser):
        parser.add_argument("--admin", default="admin", help="username of the first administrator")
        parser.add_argument(
            "--demo",
            action="store_true",
            help="load the demo school when the database holds no units yet",
        )
        parser.add_argument("--students", type=int, default=1200, help="demo school size")

    def handle(self, *args, admin, demo, students, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("database migrated")
        if demo and not Unit.objects.exists():
            call_command("demo", students=students, seed=1)
        if not User.objects.filter(is_superuser=True).exists():
            password = os.environ.get("SHOUWANG_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
            with transaction.atomic():
                User.objects.create_superuser(
                    username=admin, password=password, full_name="系统管理员"
                )
            self.stdout.write(
                f"administrator created: {admin} / {password}  "
                "(shown once; change it after logging in)"
            )

import time

from django.core.management.base import BaseCommand, CommandError

from shouwang.org.demo import DEMO_PASSWORD, build_demo
from shouwang.org.management.commands.demo_logins import print_logins


class Command(BaseCommand):
    help = "Build a deterministic demo school into an empty database (200 to 50,000 students)."

    def add_arguments(self, parser):
        parser.add_argument("--students", type=int, default=1200)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, students, seed, **options):
        if not 200 <= students <= 50_000:
            raise CommandError("--students must be between 200 and 50000")
        started = time.monotonic()
        try:
            summary = build_demo(students=students, seed=seed)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"示范学校已建立（{time.monotonic() - started:.1f} 秒）：{summary.units} 个单位，"
            f"{summary.staff} 名教职工和学生干部，{summary.posts} 个岗位，{summary.students} 名学生"
        )
        print_logins(self.stdout)
        self.stdout.write(f"演示账号密码均为：{DEMO_PASSWORD}")

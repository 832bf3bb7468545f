import time

from django.core.management.base import BaseCommand, CommandError

from shouwang.demo.school import DEMO_PASSWORD, MAX_STUDENTS, MIN_STUDENTS, DemoRefused, build_demo


class Command(BaseCommand):
    help = (
        "Build a deterministic demo school into an empty database "
        f"({MIN_STUDENTS} to {MAX_STUDENTS} students)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--students", type=int, default=1200, help="number of students (default 1200)"
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="the same seed builds the same school (default 1)"
        )

    def handle(self, *args, students, seed, **options):
        if not MIN_STUDENTS <= students <= MAX_STUDENTS:
            raise CommandError(f"--students 须在 {MIN_STUDENTS} 到 {MAX_STUDENTS} 之间")
        started = time.monotonic()
        try:
            summary = build_demo(students=students, seed=seed)
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"示范学校已建立（用时 {time.monotonic() - started:.1f} 秒，种子 {seed}）："
        )
        self.stdout.write(
            f"  单位 {summary.units} 个，教职工和学生干部 {summary.staff} 人，"
            f"岗位 {summary.posts} 个，学生 {summary.students} 名"
        )
        width = max(len(u) for u, _ in summary.logins)
        self.stdout.write("演示账号：")
        self.stdout.write(f"  {'用户名':<{width - 3}}  身份")
        for username, label in summary.logins:
            self.stdout.write(f"  {username:<{width}}  {label}")
        self.stdout.write(
            f"演示账号密码均为 {DEMO_PASSWORD}；"
            "其他教职工、学生干部和学生以工号或学号登录，密码相同。"
        )

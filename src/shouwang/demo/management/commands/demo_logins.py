from django.core.management.base import BaseCommand

from shouwang.accounts.models import User
from shouwang.demo.school import DEMO_LOGINS, DEMO_PASSWORD, DEMO_STUDENTS


def print_logins(out):
    """The demo log-ins present in the database, with generic labels (the build's own output
    names the actual classes and rooms)."""
    present = {
        username: (staff_no, name)
        for username, staff_no, name in User.objects.filter(
            username__in=[u for u, _ in DEMO_LOGINS]
        ).values_list("username", "staff_no", "full_name")
    }
    if not present:
        return False
    out.write("演示账号（用户名 — 身份）：")
    for username, label in DEMO_LOGINS:
        if username in present:
            if username in DEMO_STUDENTS:  # students sign in with their 学号 too
                no, name = present[username]
                label = f"{label} — {name}，学号 {no} 也可登录"
            out.write(f"  {username:<15} {label}")
    return True


class Command(BaseCommand):
    help = "Print the demo school's log-ins, if the demo school is loaded."

    def handle(self, *args, **options):
        if print_logins(self.stdout):
            self.stdout.write(
                f"演示账号密码均为：{DEMO_PASSWORD}；管理员账号见 shouwang init 的输出。"
            )

"""`shouwang` — the one command an operator needs.

Our own commands are Django management commands spelled with hyphens here
(`shouwang verify-audit` runs `verify_audit`); any other name goes straight to Django
(`shouwang migrate`, `shouwang shell`, `shouwang createsuperuser` …).
"""

import os
import sys

COMMANDS = {
    "init": "Migrate the database and create the first administrator (--demo loads the demo school into an empty database)",
    "serve": "Run the web server and the background worker together (--host, --port)",
    "worker": "Run the background worker alone (deadlines, deliveries, queued jobs)",
    "demo": "Build a deterministic demo school (--students N --seed S)",
    "demo-logins": "Print the demo school's log-ins",
    "import": "Import units, staff or students from .xlsx/.csv (all-or-nothing): import units|staff|students FILE",
    "import-template": "Write the import template for units, staff or students: import-template KIND FILE",
    "token": "Integration tokens: token create --name N --unit CODE --perm P [--perm P …]; token list; token revoke ID",
    "verify-audit": "Walk the timeline's hash chain; non-zero exit naming the first altered, inserted or missing event",
    "detect-accountability": "Find 迟报/漏报/瞒报/虚报/未及时到位 in the record now (idempotent: a rerun adds none)",
    "check-deploy": "Check the configuration for production; non-zero exit on an insecure setting",
}

HELP = """守望 Shouwang — campus early-warning and emergency response

usage: shouwang COMMAND [options]      (shouwang COMMAND --help for a command's options)

commands:
{commands}

Any other Django management command works too, e.g. `shouwang migrate`, `shouwang shell`.
Configuration: SHOUWANG_DATABASE_URL, SHOUWANG_SECRET_KEY, SHOUWANG_ENCRYPTION_KEY,
SHOUWANG_DEBUG, SHOUWANG_ALLOWED_HOSTS … (see README.md).
"""


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.settings")
    if len(argv) < 2 or argv[1] in ("-h", "--help", "help"):
        width = max(map(len, COMMANDS))
        print(HELP.format(commands="\n".join(f"  {n.ljust(width)}  {d}" for n, d in COMMANDS.items())))
        return
    name = argv[1]
    if name in COMMANDS:
        name = name.replace("-", "_")
        if name == "import":
            name = "import_org"
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shouwang", name, *argv[2:]])


if __name__ == "__main__":
    main()

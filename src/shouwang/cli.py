"""`shouwang` — the one command an operator needs.

Our own commands are Django management commands spelled with hyphens here
(`shouwang verify-audit` runs `verify_audit`); any other name goes straight to Django
(`shouwang migrate`, `shouwang shell`, `shouwang createsuperuser` …).

A command that cannot do its work says why in one line on stderr and exits non-zero — no
traceback (pass --traceback to see one). The language is the school's, Chinese, like the web
pages; SHOUWANG_LANGUAGE=en switches to English (the shell's LANG is often en_US on a Chinese
school's servers, so it is not followed).
"""

import os
import sys

COMMANDS = {
    "init": (
        "Migrate the database and create the first administrator "
        "(--demo loads the demo school into an empty database)"
    ),
    "serve": "Run the web server and the background worker together (--host, --port)",
    "worker": "Run the background worker alone (deadlines, deliveries, queued jobs)",
    "demo": "Build a deterministic demo school (--students N --seed S)",
    "demo-logins": "Print the demo school's log-ins",
    "import": (
        "Import units, staff or students from .xlsx/.csv "
        "(all-or-nothing): import units|staff|students FILE"
    ),
    "import-template": (
        "Write the import template for units, staff or students: import-template KIND FILE"
    ),
    "token": (
        "Integration tokens: token create --name N --unit CODE "
        "--perm P [--perm P …]; token list; token revoke ID"
    ),
    "verify-audit": (
        "Walk the timeline's hash chain; non-zero exit naming "
        "the first altered, inserted or missing event"
    ),
    "detect-accountability": (
        "Find 迟报/漏报/瞒报/虚报/未及时到位 in the record now (idempotent: a rerun adds none)"
    ),
    "rotate-encryption-key": (
        "Re-encrypt the stored care data with the newest key (--generate prints a new key entry)"
    ),
    "check-deploy": "Check the configuration for production; non-zero exit on an insecure setting",
}
# The Django command behind a name, where it is not the name with underscores.
MODULES = {"import": "import_org"}
# Commands that work on the school's data: they need a migrated database.
NEED_SCHEMA = {
    "serve",
    "worker",
    "demo",
    "demo-logins",
    "import",
    "token",
    "verify-audit",
    "rotate-encryption-key",
}

HELP = """守望 Shouwang — campus early-warning and emergency response

usage: shouwang COMMAND [options]      (shouwang COMMAND --help for a command's options)

commands:
{commands}

Any other Django management command works too, e.g. `shouwang migrate`, `shouwang shell`.
Configuration: SHOUWANG_DATABASE_URL, SHOUWANG_SECRET_KEY, SHOUWANG_ENCRYPTION_KEY,
SHOUWANG_DEBUG, SHOUWANG_ALLOWED_HOSTS, SHOUWANG_LANGUAGE (zh-hans | en) … (see README.md).
"""


def language() -> str:
    """The command line's language: SHOUWANG_LANGUAGE (en or zh-hans), Chinese by default."""
    chosen = os.environ.get("SHOUWANG_LANGUAGE", "").strip().lower().replace("_", "-")
    return "en" if chosen.startswith("en") else "zh-hans"


def fail(message: str, code: int = 1):
    from django.utils.translation import gettext as _

    sys.stderr.write(_("Error: %(message)s") % {"message": message} + "\n")
    sys.exit(code)


def database_problem(exc) -> str:
    """One line for a database that cannot be used: not reachable, missing, or not migrated."""
    from django.conf import settings
    from django.utils.translation import gettext as _

    db = settings.DATABASES["default"]
    text = str(exc)
    if "no such table" in text or ("relation" in text and "does not exist" in text):
        return _("The database is not set up yet: run `shouwang init` first.")
    if db["ENGINE"].endswith("sqlite3"):
        return _("Cannot open the database %(name)s: %(error)s") % {
            "name": db["NAME"],
            "error": text.splitlines()[0] if text else type(exc).__name__,
        }
    where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
    if f'database "{db["NAME"]}" does not exist' in text:
        return _(
            "The database %(name)s does not exist on %(where)s: create it (createdb %(name)s) "
            "or correct SHOUWANG_DATABASE_URL."
        ) % {"name": db["NAME"], "where": where}
    if "password authentication failed" in text or ("role" in text and "does not exist" in text):
        return _(
            "The database server %(where)s refused the log-in: check the user and password in "
            "SHOUWANG_DATABASE_URL."
        ) % {"where": where}
    if "connect" in text or "Connection refused" in text or "timeout" in text:
        return _(
            "Cannot connect to the database server %(where)s: is PostgreSQL running, and is "
            "SHOUWANG_DATABASE_URL right?"
        ) % {"where": where}
    return _("Database error: %(error)s") % {
        "error": text.strip().splitlines()[-1] if text.strip() else type(exc).__name__
    }


def schema_missing() -> bool:
    """True when migrations are still to be applied (connecting first: errors propagate)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.settings")
    if len(argv) < 2 or argv[1] in ("-h", "--help", "help"):
        width = max(map(len, COMMANDS))
        print(
            HELP.format(commands="\n".join(f"  {n.ljust(width)}  {d}" for n, d in COMMANDS.items()))
        )
        return
    import django
    from django.core.management import (
        CommandError,
        execute_from_command_line,
        get_commands,
        load_command_class,
    )
    from django.db import DatabaseError
    from django.utils import translation

    django.setup()
    translation.activate(language())
    name, rest = argv[1], argv[2:]
    wants_traceback = "--traceback" in rest
    try:
        if name not in COMMANDS:
            execute_from_command_line(["shouwang", name, *rest])
            return
        asks_help = bool({"-h", "--help"} & set(rest))
        if name in NEED_SCHEMA and not asks_help and schema_missing():
            fail(translation.gettext("The database is not set up yet: run `shouwang init` first."))
        module = MODULES.get(name, name.replace("-", "_"))
        command = load_command_class(get_commands()[module], module)
        # Run as `shouwang NAME` (its usage line says so, not the module's name); --traceback
        # lets a refusal reach us as an exception, printed below as one line.
        # (Before the arguments: a subcommand's parser, as token's, would not know it.)
        command.run_from_argv(
            ["shouwang", name, *([] if wants_traceback else ["--traceback"]), *rest]
        )
    except CommandError as exc:
        if wants_traceback:
            raise
        fail(str(exc), getattr(exc, "returncode", 1))
    except DatabaseError as exc:
        if wants_traceback:
            raise
        fail(database_problem(exc))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()

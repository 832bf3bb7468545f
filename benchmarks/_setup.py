"""Shared start-up for benchmark scripts: a fresh database (temporary SQLite file unless
SHOUWANG_DATABASE_URL is set), migrated, with Django ready."""

import hashlib
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[1] / "src")
sys.path.insert(0, SRC)
os.environ["PYTHONPATH"] = SRC + os.pathsep + os.environ.get("PYTHONPATH", "")


def django_ready(*, fresh_postgres: str | None = None):
    """fresh_postgres: a database name to drop and create on the local PostgreSQL."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.settings")
    if fresh_postgres:
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{fresh_postgres}" WITH (FORCE)')
            c.execute(f'CREATE DATABASE "{fresh_postgres}"')
        os.environ["SHOUWANG_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{fresh_postgres}"
    elif "SHOUWANG_DATABASE_URL" not in os.environ:
        tmp = tempfile.mkdtemp(prefix="shouwang-bench-")
        path = Path(tmp) / "bench.sqlite3"
        template = _migrated_template()
        if template.exists():
            shutil.copyfile(template, path)
        os.environ["SHOUWANG_DATABASE_URL"] = f"sqlite:///{path}"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    _keep_template()


def _migrated_template() -> Path:
    """A migrated empty SQLite database, kept in the temporary folder and keyed by every
    migration file and the Django version: migrating from nothing costs ~14 s of CPU, a copy
    a few milliseconds, and CI runs every benchmark. A changed migration makes a new key."""
    import django

    digest = hashlib.sha256(django.__version__.encode())
    for migration in sorted(Path(SRC, "shouwang").glob("*/migrations/*.py")):
        digest.update(str(migration.relative_to(SRC)).encode() + migration.read_bytes())
    return Path(tempfile.gettempdir()) / f"shouwang-bench-{digest.hexdigest()[:16]}.sqlite3"


def _keep_template() -> None:
    from django.conf import settings

    database = settings.DATABASES["default"]
    template = _migrated_template()
    if not database["ENGINE"].endswith("sqlite3") or template.exists():
        return
    from django.db import connection

    connection.close()  # the file complete on disk before it is copied
    partial = template.with_suffix(f".{os.getpid()}.partial")
    shutil.copyfile(database["NAME"], partial)
    os.replace(partial, template)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def line(name, value, unit, target=""):
    print(f"{name}: {value:.2f} {unit}" + (f" (target {target})" if target else ""), flush=True)


def timed(target, args_per_thread) -> float:
    """Seconds for one thread per args tuple to run target to the end."""
    threads = [threading.Thread(target=target, args=args) for args in args_per_thread]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started

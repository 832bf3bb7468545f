"""Shared start-up for benchmark scripts: a fresh database (temporary SQLite file unless
SHOUWANG_DATABASE_URL is set), migrated, with Django ready."""

import os
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
        os.environ["SHOUWANG_DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


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

import errno
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from shouwang.ops.vaultcheck import vault_problems


def site_url(host: str, port: int) -> str:
    """Where people reach a server bound to host:port (all interfaces: this machine's name)."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.getfqdn()
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port (binding as gunicorn will fails)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(
            socket.SOL_SOCKET, socket.SO_REUSEADDR, 1
        )  # as gunicorn: TIME_WAIT is fine
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return True
            raise
    return False


def wait_listening(process, host: str, port: int, timeout: float = 60) -> bool:
    """Wait until the web server accepts connections (True) or exits first (False)."""
    target = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection((target, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return process.poll() is None


class Command(BaseCommand):
    help = "Run the web server (gunicorn) and the background worker together; Ctrl+C stops both."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("SHOUWANG_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("SHOUWANG_PORT", "8000"))
        )
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--no-worker", action="store_true", help="web server only")

    def handle(self, *args, host, port, web_workers, no_worker, **options):
        try:
            taken = port_in_use(host, port)
        except OSError as exc:
            raise CommandError(
                _("Cannot listen on %(host)s:%(port)s: %(reason)s")
                % {"host": host, "port": port, "reason": exc.strerror or exc}
            ) from exc
        if taken:
            raise CommandError(
                _(
                    "Port %(port)s on %(host)s is already in use: stop the other server or "
                    "choose another port with --port."
                )
                % {"host": host, "port": port}
            )
        if problems := vault_problems():
            raise CommandError(problems[0])
        # Static files are served from the apps' folders; an empty collected-files folder keeps
        # WhiteNoise from warning "No directory at …/static" in every web worker.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="shouwang.settings")
        # Links in messages (one-tap acknowledgement) must point at this server unless the
        # deployment says otherwise (behind a proxy it sets SHOUWANG_SITE_URL).
        env.setdefault("SHOUWANG_SITE_URL", site_url(host, port))
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "shouwang.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(web_workers),
                "--threads",
                "4",
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
                "--logger-class",
                "shouwang.ops.redact.RedactingAccessLogger",  # no ack tokens in the log
            ],
            env=env,
        )
        children = [web]
        stopping = []

        def stop(signum, frame):
            if signum is not None:
                stopping.append(signum)
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        if not wait_listening(web, host, port):
            stop(None, None)
            web.wait()
            if stopping:
                return
            raise CommandError(
                _(
                    "The web server did not start on %(host)s:%(port)s (exit code %(code)s); "
                    "see the lines above."
                )
                % {"host": host, "port": port, "code": web.returncode}
            )
        if not no_worker:
            children.append(subprocess.Popen([sys.executable, "-m", "shouwang", "worker"], env=env))
        self.stdout.write(
            _("Shouwang is running on http://%(host)s:%(port)s/  (Ctrl+C to stop)")
            % {"host": host, "port": port}
        )
        # If either child dies, stop the other: a web server without its worker loses no data
        # (everything waits in the database) but should not pretend to be whole.
        while True:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            for child in children:
                if child.pid == pid:  # reaped here: Popen.wait would no longer see its status
                    child.returncode = os.waitstatus_to_exitcode(status)
            stop(None, None)
        for child in children:
            child.wait()
        died = next((c for c in children if c.returncode), None)
        if died is not None and not stopping:
            raise CommandError(
                _("A part of the server stopped (exit code %(code)s); see the lines above.")
                % {"code": died.returncode}
            )

import os
import signal
import socket
import subprocess
import sys

from django.core.management.base import BaseCommand


def site_url(host: str, port: int) -> str:
    """Where people reach a server bound to host:port (all interfaces: this machine's name)."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.getfqdn()
    return f"http://{'[' + host + ']' if ':' in host else host}:{port}"


class Command(BaseCommand):
    help = "Run the web server (gunicorn) and the background worker together; Ctrl+C stops both."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("SHOUWANG_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("SHOUWANG_PORT", "8000")))
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--no-worker", action="store_true", help="web server only")

    def handle(self, *args, host, port, web_workers, no_worker, **options):
        env = dict(os.environ, DJANGO_SETTINGS_MODULE="shouwang.settings")
        # Links in messages (one-tap acknowledgement) must point at this server unless the
        # deployment says otherwise (behind a proxy it sets SHOUWANG_SITE_URL).
        env.setdefault("SHOUWANG_SITE_URL", site_url(host, port))
        web = subprocess.Popen([
            sys.executable, "-m", "gunicorn", "shouwang.wsgi:application",
            "--bind", f"{host}:{port}", "--workers", str(web_workers), "--threads", "4",
            "--access-logfile", "-", "--graceful-timeout", "10",
            "--logger-class", "shouwang.ops.redact.RedactingAccessLogger",  # no ack tokens in the log
        ], env=env)
        children = [web]
        if not no_worker:
            children.append(subprocess.Popen([sys.executable, "-m", "shouwang", "worker"], env=env))
        self.stdout.write(f"Shouwang is running on http://{host}:{port}/  (Ctrl+C to stop)")

        def stop(signum, frame):
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        # If either child dies, stop the other: a web server without its worker loses no data
        # (everything waits in the database) but should not pretend to be whole.
        while True:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            stop(None, None)
        for child in children:
            child.wait()

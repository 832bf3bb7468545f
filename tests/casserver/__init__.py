"""A real CAS 3.0 protocol server for the single sign-on tests: django-cas-server (PyPI, a
test dependency only) run as its own process by gunicorn, with its own settings module, its own
SQLite database under a temporary directory and a free 127.0.0.1 port.

    server = CasServer(
        tmp_path, {"zhang": {"password": "…", "attributes": {"employeeNumber": "T0003"}}}
    )
    server.start(); server.url → "http://127.0.0.1:PORT/cas/"; server.stop()
"""

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CasServer:
    def __init__(self, folder: Path, users: dict):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.users_file = self.folder / "cas-users.json"
        self.users_file.write_text(json.dumps(users, ensure_ascii=False), encoding="utf-8")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/cas/"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(HERE),
            "DJANGO_SETTINGS_MODULE": "server_settings",
            "CAS_TEST_DB": str(self.folder / "cas.sqlite3"),
            "CAS_TEST_USERS": str(self.users_file),
        }
        self.process = None

    def start(self, timeout=30):
        subprocess.run(
            [sys.executable, str(HERE / "server_setup.py")],
            env=self.env,
            check=True,
            cwd=self.folder,
        )
        log = open(self.folder / "cas-server.log", "wb")  # noqa: SIM115 (kept open for the process)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--threads",
                "4",
                "--timeout",
                "30",
                "--no-control-socket",
                "server_wsgi:application",
            ],
            env=self.env,
            cwd=self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"CAS server exited: {(self.folder / 'cas-server.log').read_text()[-2000:]}"
                )
            try:
                urllib.request.urlopen(self.url + "login", timeout=2).close()
                return self
            except urllib.error.HTTPError:
                return self
            except OSError:
                # Waiting for another process to start listening: no clock to control here.
                time.sleep(0.1)
        raise RuntimeError("CAS server did not start")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def ticket(self, service: str, username: str, password: str) -> str:
        """Log in on the CAS server's own form (as a browser would) for `service`; the service
        ticket it redirects back with."""
        jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
        login = self.url + "login?" + urllib.parse.urlencode({"service": service})
        page = opener.open(login, timeout=10).read().decode()
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
        fields.update(username=username, password=password, service=service)
        fields.pop("warn", None)
        try:
            opener.open(
                urllib.request.Request(
                    login, data=urllib.parse.urlencode(fields).encode(), headers={"Referer": login}
                ),
                timeout=10,
            )
        except urllib.error.HTTPError as exc:
            if exc.code in (301, 302, 303):
                location = exc.headers["Location"]
                return urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)["ticket"][0]
            raise
        raise AssertionError("the CAS server did not redirect back with a ticket")


PASSWORD = "Cas-pass-2026!"
USERS = {
    "zhang": {"password": PASSWORD, "attributes": {"employeeNumber": "T0003", "cn": "张老师"}},
    "liu": {"password": PASSWORD, "attributes": {"employeeNumber": "2024010103", "cn": "刘同学"}},
    # A student (no post) signing in with the school's identity: their 学号.
    "zhangsan": {
        "password": PASSWORD,
        "attributes": {"employeeNumber": "2024010101", "cn": "张三"},
    },
    "stranger": {"password": PASSWORD, "attributes": {"employeeNumber": "T7777", "cn": "外来者"}},
    "nonumber": {"password": PASSWORD, "attributes": {"cn": "无工号"}},
}


def cas_server_session(tmp_path_factory):
    """Body of the session fixture `cas_server` (tests/accounts and tests/e2e declare it)."""
    server = CasServer(tmp_path_factory.mktemp("cas"), USERS).start()
    try:
        yield server
    finally:
        server.stop()

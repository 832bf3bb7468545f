"""Probe finding: the access log recorded one-tap acknowledgement tokens (GET /ack/<token>/), a
credential until used. The web server's access log and Django's request log keep the path
without the token."""

import contextlib
import datetime
import logging
from types import SimpleNamespace

from django.core.management.base import CommandError
from gunicorn.config import Config

from shouwang.ops.management.commands import serve
from shouwang.ops.redact import RedactingAccessLogger, RedactingFilter, redact

TOKEN = "AbC123-secret_token.sig"


def test_the_access_log_line_has_no_token(tmp_path):
    cfg = Config()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    logger = RedactingAccessLogger(cfg)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/ack/{TOKEN}/?x=1",
        "PATH_INFO": f"/ack/{TOKEN}/",
        "QUERY_STRING": "x=1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.9",
        "HTTP_REFERER": f"https://sw.example/ack/{TOKEN}/",
    }
    resp = SimpleNamespace(status="200 OK", sent=10, headers=[])
    req = SimpleNamespace(headers=[("REFERER", f"https://sw.example/ack/{TOKEN}/")])
    logger.access(resp, req, environ, datetime.timedelta(milliseconds=3))
    for handler in logger.access_log.handlers:
        handler.flush()
    line = (tmp_path / "access.log").read_text()
    assert "GET /ack/[token]/?x=1" in line and TOKEN not in line


def test_serve_uses_the_redacting_logger(monkeypatch, db):  # serve reads the keys vs the data
    started = []

    class Fake:
        returncode = 0

        def __init__(self, args, env):
            started.append(args)

        def poll(self):
            return 0

        def wait(self):
            return 0

    monkeypatch.setattr(serve.subprocess, "Popen", Fake)
    monkeypatch.setattr(serve.signal, "signal", lambda *a: None)
    monkeypatch.setattr(serve.os, "wait", lambda: (_ for _ in ()).throw(ChildProcessError()))
    # The fake exits at once, so serve says the web server did not start: the arguments it was
    # started with are what this test is about.
    with contextlib.suppress(CommandError):
        serve.Command().handle(host="127.0.0.1", port=8999, web_workers=1, no_worker=True)
    args = started[0]
    assert args[args.index("--logger-class") + 1] == "shouwang.ops.redact.RedactingAccessLogger"


def test_djangos_not_found_warning_has_no_token():
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Not Found: %s", (f"/ack/{TOKEN}/",), None
    )
    assert RedactingFilter().filter(record)
    assert record.getMessage() == "Not Found: /ack/[token]/"


def test_guardian_links_and_the_inbound_key_are_redacted_too():
    assert (
        redact(f"GET /talks/guardian/{TOKEN}/ HTTP/1.1") == "GET /talks/guardian/[token]/ HTTP/1.1"
    )
    line = redact(f"POST /api/v1/talks/sms-inbound?key={TOKEN}&x=1 HTTP/1.1")
    assert TOKEN not in line and "key=[key]&x=1" in line
    assert redact(f"key={TOKEN}") == "key=[key]"
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        "",
        0,
        "Forbidden: %s",
        (f"/api/v1/talks/sms-inbound?key={TOKEN}",),
        None,
    )
    RedactingFilter().filter(record)
    assert TOKEN not in record.getMessage()

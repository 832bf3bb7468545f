"""Real local servers for the channel tests: an HTTP sink that records requests and can be
told to fail or hang, and an aiosmtpd SMTP server."""

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class Sink:
    def __init__(self):
        self.requests = []
        self.plan = []  # per request: "ok" | "500" | "hang" | a dict to answer with
        self.hang = threading.Event()

    def next_answer(self):
        return self.plan.pop(0) if self.plan else "ok"


@pytest.fixture
def sink():
    state = Sink()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            # The headers object looks names up case-insensitively, as HTTP does.
            state.requests.append({"path": self.path, "headers": self.headers, "body": body})
            answer = state.next_answer()
            if answer == "hang":
                state.hang.wait(10)  # longer than the client's timeout; released at teardown
                return
            if answer in ("500", "404"):
                self.send_response(int(answer))
                self.end_headers()
                return
            payload = json.dumps(
                answer if isinstance(answer, dict) else {"errcode": 0, "Code": "OK"}
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}"
    yield state
    state.hang.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message

    received = []

    class Collect(Message):
        def handle_message(self, message):
            received.append(message)

    import socket

    with socket.socket() as probe:  # a free port: Controller needs a real one to check it started
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # aiosmtpd logs every connection at INFO from its own thread, sometimes after pytest has
    # closed the stream the test's log handler writes to: keep only its warnings.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    controller.received = received
    controller.port = port
    yield controller
    controller.stop()

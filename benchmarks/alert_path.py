"""Time from the API's 201 to the first delivery reaching a webhook sink, for reports posted
at a steady 50/s over HTTP (PostgreSQL, the real gunicorn server, 2 workers). Target: p99 ≤ 1 s.
The baseline from the same run is the sink's own round trip (a POST straight to it).

The WeCom-app variant (--variant wecom_app, or both by default) does the same with everyone's
first channel the school's WeCom application: 201 → the textcard at a local server speaking
WeCom's gettoken and message/send; p99 ≤ 1 s and the access token fetched at most twice in the
run (it is cached, shared by both workers)."""

import argparse
import json
import os
import re
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from _setup import django_ready, line, percentile

RATE = 50


def start_sink(received):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            at = time.time()
            subject = json.loads(body).get("subject", {}).get("id")
            received.setdefault(subject, at)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


MARKER = re.compile(r"查寝未归 #(\d+)")  # report_payloads' descriptions, in the textcard


def start_wecom(received, counts):
    """gettoken and message/send as WeCom answers them; the arrival of each report's first
    textcard, keyed by its payload's number (the textcard's description carries it)."""
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, payload):
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # /cgi-bin/gettoken
            with lock:
                counts["tokens"] += 1
                token = f"bench-token-{counts['tokens']}"
            self._answer({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})

        def do_POST(self):  # /cgi-bin/message/send
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            at = time.time()
            if body.get("msgtype") == "textcard":
                found = MARKER.search(body["textcard"].get("description", ""))
                if found:
                    received.setdefault(found.group(1), at)
            counts["textcards"] += 1
            self._answer({"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": "m"})

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--variant", choices=["webhook", "wecom_app", "both"], default="both")
    args = parser.parse_args()
    n = 50 if args.quick else 1000
    django_ready(fresh_postgres=os.environ.get("SHOUWANG_BENCH_DB", "shouwang_bench_alert"))
    from shouwang.api.services import token_create
    from shouwang.demo.school import build_demo
    from shouwang.org.models import Unit

    build_demo(students=1000 if args.quick else 5000, seed=1)
    _token, raw = token_create(
        actor=None, name="bench", unit=Unit.objects.get(code="SCH"), permissions=["reports.write"]
    )
    if args.variant in ("webhook", "both"):
        run_webhook(n, raw)
    if args.variant in ("wecom_app", "both"):
        run_wecom_app(n, raw)


def first_channel(channel):
    """Everyone's first channel is `channel`, so the first delivery of every report uses it."""
    from shouwang.accounts.models import User
    from shouwang.notify.models import NotificationRule

    NotificationRule.objects.all().delete()
    NotificationRule.objects.bulk_create(
        [
            NotificationRule(person_id=pk, position=0, channel=channel)
            for pk in User.objects.values_list("pk", flat=True)
        ]
    )


def post_at_rate(product, payloads, raw, done):
    """Post the payloads at RATE/s; {payload number: (report id, time of the 201)}. Waits until
    done(created) or two minutes."""
    created = {}

    def post(i, payload):
        request = urllib.request.Request(
            product.url + "/api/v1/reports",
            data=json.dumps(payload).encode(),
            headers={"Authorization": f"Bearer {raw}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            report_id = json.loads(response.read())["id"]
        created[str(i)] = (str(report_id), time.time())

    with ThreadPoolExecutor(max_workers=32) as pool:
        start = time.monotonic()
        for i, payload in enumerate(payloads):
            delay = start + i / RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            pool.submit(post, i, payload)
    deadline = time.time() + 120
    while time.time() < deadline and not done(created):
        time.sleep(0.2)
    return created


def run_wecom_app(n, raw):
    from _server import Product, report_payloads
    from django.utils import timezone

    from shouwang.accounts.models import User
    from shouwang.notify.models import WorkApp, WorkIdentity

    started = time.time()
    received, counts = {}, {"tokens": 0, "textcards": 0}
    server = start_wecom(received, counts)
    WorkApp.objects.create(
        kind="wecom",
        app_id="ww-bench",
        secret="bench-wecom-secret",
        agent_id="1000002",
        api_base=f"http://127.0.0.1:{server.server_port}",
    )
    # Everyone's WeCom userid is known (imported or matched earlier): no directory look-ups here.
    WorkIdentity.objects.bulk_create(
        [
            WorkIdentity(
                person_id=pk, kind="wecom", external_id=f"u{pk}", checked_at=timezone.now()
            )
            for pk in User.objects.values_list("pk", flat=True)
        ]
    )
    first_channel("wecom_app")
    payloads = report_payloads(n, seed=4)
    product = Product(workers=2)
    try:
        created = post_at_rate(product, payloads, raw, lambda c: all(i in received for i in c))
    finally:
        product.stop()
        server.shutdown()
    latencies = [(received[i] - t) * 1000 for i, (_id, t) in created.items() if i in received]
    line("alert_path.wecom_app.reports", len(created), "reports", f"posted at {RATE}/s")
    line("alert_path.wecom_app.p50", percentile(latencies, 50), "ms")
    line("alert_path.wecom_app.p99", percentile(latencies, 99), "ms", "≤ 1000 ms")
    line("alert_path.wecom_app.undelivered", len(created) - len(latencies), "reports", "0")
    line("alert_path.wecom_app.tokens_fetched", counts["tokens"], "tokens", "≤ 2")
    line("alert_path.wecom_app.textcards", counts["textcards"], "messages")
    line("alert_path.wecom_app.wall_seconds", time.time() - started, "s")


def run_webhook(n, raw):
    from _server import Product, report_payloads

    from shouwang.notify.models import WebhookEndpoint

    received = {}
    sink = start_sink(received)
    sink_url = f"http://127.0.0.1:{sink.server_port}/hook"
    WebhookEndpoint.objects.create(name="sink", url=sink_url, secret="bench-secret")
    first_channel("webhook")
    payloads = report_payloads(n)

    started = time.time()
    sink_rtts = []
    for _ in range(20):
        t = time.perf_counter()
        urllib.request.urlopen(
            urllib.request.Request(sink_url, data=b'{"subject":{"id":"x"}}', method="POST")
        ).read()
        sink_rtts.append((time.perf_counter() - t) * 1000)
    product = Product(workers=2)
    try:
        by_number = post_at_rate(
            product, payloads, raw, lambda c: all(rid in received for rid, _t in c.values())
        )
    finally:
        product.stop()
        sink.shutdown()
    created = dict(by_number.values())
    latencies = [(received[k] - t) * 1000 for k, t in created.items() if k in received]
    missing = len(created) - len(latencies)
    line("alert_path.reports", len(created), "reports", f"posted at {RATE}/s")
    line("alert_path.p50", percentile(latencies, 50), "ms")
    line("alert_path.p99", percentile(latencies, 99), "ms", "≤ 1000 ms")
    line("alert_path.undelivered", missing, "reports", "0")
    line("alert_path.baseline_sink_round_trip_p50", percentile(sink_rtts, 50), "ms")
    line(
        "alert_path.ratio_p99_to_sink_round_trip",
        percentile(latencies, 99) / max(percentile(sink_rtts, 50), 0.001),
        "x",
    )
    line("alert_path.wall_seconds", time.time() - started, "s")


if __name__ == "__main__":
    main()

"""Time from the API's 201 to the first delivery reaching a webhook sink, for reports posted
at a steady 50/s over HTTP (PostgreSQL, the real gunicorn server, 2 workers). Target: p99 ≤ 1 s.
The baseline from the same run is the sink's own round trip (a POST straight to it)."""

import argparse
import json
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 50 if args.quick else 1000
    django_ready(fresh_postgres="shouwang_bench_alert")
    from _server import Product, report_payloads

    from shouwang.accounts.models import User
    from shouwang.api.services import token_create
    from shouwang.demo.school import build_demo
    from shouwang.notify.models import NotificationRule, WebhookEndpoint
    from shouwang.org.models import Unit

    build_demo(students=1000 if args.quick else 5000, seed=1)
    received = {}
    sink = start_sink(received)
    sink_url = f"http://127.0.0.1:{sink.server_port}/hook"
    WebhookEndpoint.objects.create(name="sink", url=sink_url, secret="bench-secret")
    # Everyone's first channel is the webhook, so the first delivery of every report reaches the sink.
    NotificationRule.objects.bulk_create([NotificationRule(person_id=pk, position=0, channel="webhook")
                                          for pk in User.objects.values_list("pk", flat=True)])
    _token, raw = token_create(actor=None, name="bench", unit=Unit.objects.get(code="SCH"), permissions=["reports.write"])
    payloads = report_payloads(n)
    created = {}

    def post(payload):
        request = urllib.request.Request(product.url + "/api/v1/reports", data=json.dumps(payload).encode(),
                                         headers={"Authorization": f"Bearer {raw}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            report_id = json.loads(response.read())["id"]
        created[str(report_id)] = time.time()

    started = time.time()
    sink_rtts = []
    for _ in range(20):
        t = time.perf_counter()
        urllib.request.urlopen(urllib.request.Request(sink_url, data=b'{"subject":{"id":"x"}}', method="POST")).read()
        sink_rtts.append((time.perf_counter() - t) * 1000)
    product = Product(workers=2)
    try:
        with ThreadPoolExecutor(max_workers=32) as pool:
            start = time.monotonic()
            for i, payload in enumerate(payloads):
                delay = start + i / RATE - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                pool.submit(post, payload)
        deadline = time.time() + 120
        while time.time() < deadline and not all(k in received for k in created):
            time.sleep(0.2)
    finally:
        product.stop()
        sink.shutdown()
    latencies = [(received[k] - t) * 1000 for k, t in created.items() if k in received]
    missing = len(created) - len(latencies)
    line("alert_path.reports", len(created), "reports", f"posted at {RATE}/s")
    line("alert_path.p50", percentile(latencies, 50), "ms")
    line("alert_path.p99", percentile(latencies, 99), "ms", "≤ 1000 ms")
    line("alert_path.undelivered", missing, "reports", "0")
    line("alert_path.baseline_sink_round_trip_p50", percentile(sink_rtts, 50), "ms")
    line("alert_path.ratio_p99_to_sink_round_trip", percentile(latencies, 99) / max(percentile(sink_rtts, 50), 0.001), "x")
    line("alert_path.wall_seconds", time.time() - started, "s")


if __name__ == "__main__":
    main()

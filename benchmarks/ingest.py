"""Reports accepted per second through the HTTP API at full speed (PostgreSQL, the real
gunicorn server, 2 workers running), beside a baseline measured in the same run on the same
database: single-row INSERT transactions per second from the same number of client threads.
A token's report is one transaction (report, students, its route deadline, the timeline
event), so the baseline is the physical ceiling; the workers route the reports meanwhile, on
the same two cores. Targets: ≥ 300 reports/s and ≥ 10 % of the baseline.

A second reference, the stack's floor: `GET /healthz` (the middleware, one `SELECT 1`) from the
same clients through the same server while the workers idle. No report can be accepted faster
than that request is answered, so it bounds what any filing code could reach here."""

import argparse
import http.client
import json

from _setup import django_ready, line, timed

CLIENTS = 8


def post_all(url, token, payloads):
    host, port = url.split("//")[1].split(":")
    chunks = [payloads[i::CLIENTS] for i in range(CLIENTS)]
    errors = []

    def client(chunk):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        for payload in chunk:
            conn.request(
                "POST",
                "/api/v1/reports",
                json.dumps(payload),
                {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            response = conn.getresponse()
            response.read()
            if response.status != 201:
                errors.append(response.status)

    return timed(client, [(c,) for c in chunks]), errors


def floor(url, n):
    """Requests per second for GET /healthz from CLIENTS keep-alive connections."""
    host, port = url.split("//")[1].split(":")

    def client(count):
        conn = http.client.HTTPConnection(host, int(port), timeout=30)
        for _ in range(count):
            conn.request("GET", "/healthz")
            conn.getresponse().read()

    return (n // CLIENTS * CLIENTS) / timed(client, [(n // CLIENTS,)] * CLIENTS)


def baseline(n):
    import psycopg
    from django.db import connection

    s = connection.settings_dict
    dsn = (
        f"postgresql://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}"
        f":{s['PORT'] or 5432}/{s['NAME']}"
    )
    with psycopg.connect(dsn, autocommit=True) as c:
        c.execute(
            "CREATE TABLE IF NOT EXISTS bench_baseline "
            "(id bigserial primary key, payload jsonb, at timestamptz)"
        )

    def client(count):
        with psycopg.connect(dsn, autocommit=True) as c:
            for i in range(count):
                c.execute(
                    "INSERT INTO bench_baseline (payload, at) VALUES (%s, now())",
                    [json.dumps({"i": i})],
                )

    return (n // CLIENTS * CLIENTS) / timed(client, [(n // CLIENTS,)] * CLIENTS)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 150 if args.quick else 3000
    django_ready(fresh_postgres="shouwang_bench_ingest")
    from _server import Product, report_payloads

    from shouwang.api.services import token_create
    from shouwang.demo.school import build_demo
    from shouwang.org.models import Unit

    build_demo(students=1000 if args.quick else 5000, seed=1)
    _token, raw = token_create(
        actor=None, name="bench", unit=Unit.objects.get(code="SCH"), permissions=["reports.write"]
    )
    payloads = report_payloads(n)
    product = Product(workers=2)
    try:
        post_all(product.url, raw, payloads[:20])  # warm up connections and caches
        seconds, errors = post_all(product.url, raw, payloads[20:])
        healthz = floor(product.url, 400 if args.quick else 8000)
    finally:
        product.stop()
    assert not errors, errors[:5]
    rate = (n - 20) / seconds
    ceiling = baseline(n if args.quick else 20000)
    line("ingest.reports", n - 20, "reports")
    line("ingest.reports_per_second", rate, "reports/s", "≥ 300 reports/s")
    line("ingest.baseline_insert_tx_per_second", ceiling, "tx/s")
    line("ingest.ratio_to_baseline", rate / ceiling * 100, "%", "≥ 10 %")
    line("ingest.floor_healthz_per_second", healthz, "req/s")
    line("ingest.floor_ratio_to_baseline", healthz / ceiling * 100, "%")
    line("ingest.ratio_to_floor", rate / healthz * 100, "%")


if __name__ == "__main__":
    main()

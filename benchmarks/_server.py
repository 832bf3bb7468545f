"""Start the real product (gunicorn web + N workers) against the benchmark's database."""

import os
import socket
import subprocess
import sys
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Product:
    def __init__(self, *, workers=2, web_workers=2, env=None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, **(env or {}))
        self.procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "shouwang",
                    "serve",
                    "--no-worker",
                    "--port",
                    str(self.port),
                    "--web-workers",
                    str(web_workers),
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        ]
        self.procs += [
            subprocess.Popen(
                [sys.executable, "-m", "shouwang", "worker", "--interval", "0.1"],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(workers)
        ]
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("the web server did not start") from None
                time.sleep(0.2)

    def stop(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()


def report_payloads(n, seed=3):
    """Night-absence reports for real (room, resident) pairs of the demo school."""
    import datetime
    import random

    from django.utils import timezone

    from shouwang.org.models import Student

    rng = random.Random(seed)
    pairs = list(
        Student.objects.filter(dorm_room__isnull=False).values_list(
            "dorm_room__code", "student_no"
        )[:5000]
    )
    occurred = (timezone.now() - datetime.timedelta(minutes=10)).isoformat()
    return [
        {
            "category": "night_absence",
            "severity": "general",
            "unit": room,
            "occurred_at": occurred,
            "place": room,
            "description": f"查寝未归 #{i}",
            "students": [no],
        }
        for i, (room, no) in enumerate(rng.choice(pairs) for _ in range(n))
    ]

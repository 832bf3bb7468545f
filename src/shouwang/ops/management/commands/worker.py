import logging
import os
import signal
import socket
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker as TaskWorker

from shouwang.ops.models import WorkerHeartbeat
from shouwang.ops.sweeps import SWEEPS

log = logging.getLogger("shouwang.worker")


class Command(BaseCommand):
    help = "Run the background worker: registered sweeps, then queued jobs, every tick."

    def add_arguments(self, parser):
        # Short ticks keep the alert path under a second; an idle tick is two indexed queries.
        parser.add_argument("--interval", type=float, default=0.2, help="seconds between ticks")
        parser.add_argument("--once", action="store_true", help="run one tick and exit (tests, cron)")

    def handle(self, *args, interval, once, **options):
        worker_id = f"{socket.gethostname()}-{os.getpid()}-{get_random_string(6)}"
        self.running = True
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults={"started_at": now, "last_seen": now})
        self.stdout.write(f"worker {worker_id} started")
        tasks = TaskWorker(
            queue_names=["default"], interval=0, batch=True, backend_name="default",
            startup_delay=False, max_tasks=20, worker_id=worker_id, excluded_queue_names=[],
        )
        last_run = {}
        while self.running:
            close_old_connections()
            now = timezone.now()
            for sweep in SWEEPS:
                every = getattr(sweep, "sweep_every_seconds", 0)
                if every and sweep in last_run and (now - last_run[sweep]).total_seconds() < every:
                    continue
                last_run[sweep] = now
                try:
                    sweep(now=now)
                except Exception:  # one failing sweep must not stop the others
                    log.exception("sweep %s failed", sweep.__name__)
            tasks.run()
            WorkerHeartbeat.objects.filter(worker_id=worker_id).update(last_seen=timezone.now())
            if once:
                break
            time.sleep(interval)
        self.stdout.write(f"worker {worker_id} stopped")

    def _stop(self, signum, frame):
        self.running = False

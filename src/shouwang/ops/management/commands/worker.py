import logging
import os
import signal
import socket
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker as TaskWorker

from shouwang.ops.models import WorkerHeartbeat
from shouwang.ops.sweeps import SWEEPS, every
from shouwang.ops.vaultcheck import vault_problems

log = logging.getLogger("shouwang.worker")

# The sweeps carry the alerts and run every tick. The worker's own chores need not: a heartbeat
# every tick was a write five times a second per worker forever (check_deploy calls a worker
# gone after 2 minutes), and no queued job is urgent (alerts never go through the job queue).
HEARTBEAT_SECONDS = 10
QUEUED_JOBS_SECONDS = 1


def tick(chores, last_run, now):
    """Run each chore that is due at `now` (never run, or its interval has passed); a failing
    chore is logged and does not stop the others."""
    for chore in chores:
        every_seconds = getattr(chore, "sweep_every_seconds", 0)
        if (
            every_seconds
            and chore in last_run
            and (now - last_run[chore]).total_seconds() < every_seconds
        ):
            continue
        last_run[chore] = now
        try:
            chore(now=now)
        except Exception:  # one failing chore must not stop the others
            log.exception("sweep %s failed", getattr(chore, "__name__", chore))


class Command(BaseCommand):
    help = "Run the background worker: registered sweeps, then queued jobs, every tick."

    def add_arguments(self, parser):
        # Short ticks keep the alert path under a second; an idle tick is a few indexed queries.
        parser.add_argument("--interval", type=float, default=0.2, help="seconds between ticks")
        parser.add_argument(
            "--once", action="store_true", help="run one tick and exit (tests, cron)"
        )

    def handle(self, *args, interval, once, **options):
        if problems := vault_problems():
            raise CommandError(problems[0])
        worker_id = f"{socket.gethostname()}-{os.getpid()}-{get_random_string(6)}"
        self.running = True
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id, defaults={"started_at": now, "last_seen": now}
        )
        self.stdout.write(f"worker {worker_id} started")
        tasks = TaskWorker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=20,
            worker_id=worker_id,
            excluded_queue_names=[],
        )

        def queued_jobs(*, now):
            tasks.run()

        def heartbeat(*, now):
            WorkerHeartbeat.objects.filter(worker_id=worker_id).update(last_seen=now)

        chores = [
            *SWEEPS,
            every(QUEUED_JOBS_SECONDS, queued_jobs),
            every(HEARTBEAT_SECONDS, heartbeat),
        ]
        last_run = {}
        while self.running:
            close_old_connections()
            tick(chores, last_run, timezone.now())
            if once:
                break
            time.sleep(interval)
        self.stdout.write(f"worker {worker_id} stopped")

    def _stop(self, signum, frame):
        self.running = False

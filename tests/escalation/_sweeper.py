"""A worker process for the concurrency tests: sweeps every deadline due at a fixed `now`
(the test's clock), printing one line per tick so the test can kill it mid-burst."""

import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shouwang.settings")

import django  # noqa: E402

django.setup()

from datetime import datetime  # noqa: E402

from shouwang.escalation.models import Deadline  # noqa: E402
from shouwang.escalation.sweep import deadline_sweep  # noqa: E402


def main():
    now = datetime.fromisoformat(sys.argv[1])
    worker_id = sys.argv[2]
    print("ready", flush=True)
    sys.stdin.readline()  # "go": lets the test start several workers at the same instant
    while Deadline.objects.filter(state="open", due_at__lte=now).exists():
        n = deadline_sweep(now=now, worker_id=worker_id, limit=3, max_batches=1)
        print(f"swept {n}", flush=True)
    print("finished", flush=True)


if __name__ == "__main__":
    main()

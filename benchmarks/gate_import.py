"""An access-control export of 100,000 rows (.csv, GBK, a vendor's own headers, half the rows
by card number) imported the way the worker imports it (gate_import_run: read a row at a time,
check every row, look the 学号 and cards up, write the traces by COPY and the night's
check-ins, ONE timeline event) in a process of its own, with that process's peak RSS.
Baseline in the same run: reading the same file's rows with the spreadsheet core alone (no
checks, no writes). CI smoke: --quick, 10,000 rows.

Database: a temporary SQLite file unless SHOUWANG_DATABASE_URL is set (empty database).
Targets: ≤ 20 s; ≤ 500 MB.
"""

import argparse
import datetime
import os
import subprocess
import sys
import time

from _setup import django_ready, line

RUN = """
import sys, time, django
django.setup()
from shouwang.monitoring import gate_import
started = time.perf_counter()
job = gate_import.gate_import_run(job_id=int(sys.argv[1]))
seconds = time.perf_counter() - started
kb = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
print("RESULT", job.state, seconds, kb / 1024)
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10,000 rows (CI smoke)")
    args = parser.parse_args()
    n_rows, n_students = (10_000, 1_000) if args.quick else (100_000, 10_000)
    django_ready()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from shouwang.accounts.models import User
    from shouwang.monitoring import gate_import
    from shouwang.monitoring.models import CardNumber, Trace
    from shouwang.monitoring.services import vendor_format_save
    from shouwang.org.models import Student, Unit
    from shouwang.sheets.files import read_rows

    school = Unit.objects.create(code="BG", name="基准大学", kind="school")
    college = Unit.objects.create(code="BG-C", name="学院", kind="college", parent=school)
    klass = Unit.objects.create(code="BG-K", name="班级", kind="class", parent=college)
    building = Unit.objects.create(code="BG-D", name="1号楼", kind="dorm_building", parent=school)
    room = Unit.objects.create(code="BG-R", name="101室", kind="dorm_room", parent=building)
    Student.objects.bulk_create(
        [
            Student(
                student_no=f"G{i:07d}", name=f"学生{i}", gender="M", klass=klass, dorm_room=room
            )
            for i in range(n_students)
        ],
        batch_size=5000,
    )
    ids = list(Student.objects.order_by("pk").values_list("pk", flat=True))
    CardNumber.objects.bulk_create(
        [CardNumber(card_no=f"{900000 + i}", student_id=pk) for i, pk in enumerate(ids)],
        batch_size=5000,
    )
    admin = User.objects.create_superuser(username="admin", password="x", full_name="管理员")
    vendor = vendor_format_save(
        actor=admin,
        name="某门禁",
        columns={
            "student_no": "人员编号",
            "card_no": "卡号",
            "time": "通行时间",
            "gate": "门禁点",
            "direction": "进出方向",
        },
        in_words=["进"],
        out_words=["出"],
    )
    start = timezone.localtime().replace(microsecond=0) - datetime.timedelta(hours=12)
    lines = ["人员编号,卡号,通行时间,门禁点,进出方向"]
    for i in range(n_rows):
        at = (start + datetime.timedelta(seconds=i % 40_000)).strftime("%Y-%m-%d %H:%M:%S")
        s = i % n_students
        no, card = (f"G{s:07d}", "") if i % 2 else ("", f"{900000 + s}")
        lines.append(f"{no},{card},{at},东门{i % 4}号闸机,{'进' if i % 3 else '出'}")
    content = ("\n".join(lines) + "\n").encode("gbk")

    started = time.perf_counter()
    n_read = sum(1 for _row in read_rows(content, "export.csv"))
    baseline = time.perf_counter() - started
    assert n_read == n_rows + 1

    job = gate_import.gate_import_request(
        actor=admin, vendor=vendor, upload=SimpleUploadedFile("export.csv", content)
    )
    if os.environ.get("GATE_IMPORT_PROFILE"):
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(gate_import.gate_import_run, job_id=job.pk)
        order = os.environ["GATE_IMPORT_PROFILE"]  # "cumulative", or anything for tottime
        pstats.Stats(profiler).sort_stats(
            "cumulative" if order == "cumulative" else "tottime"
        ).print_stats(40)
        return
    # The worker's job in a process of its own, as the worker runs it: its time, and its peak
    # RSS (all it holds, Django included). Python's tracemalloc, used here before, made the
    # import four times slower than it runs and counted only Python's own allocations.
    out = subprocess.run(
        [sys.executable, "-c", RUN, str(job.pk)],
        check=True,
        env=dict(os.environ),
        capture_output=True,
        text=True,
    ).stdout
    state, seconds, peak = out.split("RESULT", 1)[1].split()
    seconds, peak = float(seconds), float(peak)
    assert state == "done", out
    assert Trace.objects.count() == n_rows
    line("gate_import.baseline_read_rows", baseline, "s", "the floor")
    line("gate_import.import", seconds, "s", "≤ 20 s")
    line("gate_import.ratio_to_read", seconds / baseline, "x")
    line("gate_import.peak_rss", peak, "MB", "≤ 500 MB")
    line("gate_import.rows_per_second", n_rows / seconds, "rows/s")


if __name__ == "__main__":
    main()

"""Import a 50,000-student .xlsx (CI smoke: --quick, 2,000) through the real importer.

The database is a fresh temporary SQLite file unless SHOUWANG_DATABASE_URL is set. The school's
classes and dorm rooms come from the demo generator; its students are what we import. Prints:

  import_students.seconds        `shouwang import students FILE`, process start-up included
  import_students.peak_memory    that process's peak RSS (VmHWM, or ru_maxrss where /proc is absent)
  import_students.reimport_seconds   the same file again: nothing changes, nothing is written
  import_students.ratio_to_bulk_create   the import over a baseline measured in this run:
                                 bulk_create of the same rows straight into the table
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _setup import django_ready

# Runs in its own process, as an operator would run it, so the peak memory is the import's
# own and not this script's (which holds the generated school).
CHILD = """
import resource, sys
sys.argv = ["shouwang", "import", "students", sys.argv[1]]
from shouwang.cli import main
main()
try:
    peak_kb = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
except OSError:
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("PEAK_KB", peak_kb)
"""


def run_import(path):
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        check=True,
        env=dict(os.environ),
        capture_output=True,
        text=True,
    ).stdout
    return time.perf_counter() - started, int(out.split("PEAK_KB")[1].split()[0]) / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="2,000 students (CI smoke)")
    args = parser.parse_args()
    n = 2_000 if args.quick else 50_000
    django_ready()
    import openpyxl
    from django.db import transaction

    from shouwang.audit.models import Event
    from shouwang.demo.school import generate, write
    from shouwang.org.importing import SPECS
    from shouwang.org.models import Student

    school = generate(students=n, seed=11)
    students, school.students = school.students, []
    write(school, seed=11)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("学生")
    sheet.append([c.header for c in SPECS["students"]])
    genders = {"M": "男", "F": "女"}
    for no, name, gender, klass, room, phone, g_name, g_phone, _status in students:
        sheet.append([no, name, genders[gender], klass, room, phone, g_name, g_phone, "在读"])
    path = Path(tempfile.mkdtemp(prefix="shouwang-bench-")) / "students.xlsx"
    book.save(path)
    del students, school, book, sheet

    seconds, peak = run_import(path)
    assert Student.objects.count() == n, "the import did not write every student"
    events = Event.objects.count()
    again, again_peak = run_import(path)
    assert Student.objects.count() == n and Event.objects.count() == events, (
        "a re-import changed something"
    )

    # Baseline: the same rows straight into the table, one transaction, no file, no checks.
    rows = list(
        Student.objects.values(
            "student_no",
            "name",
            "gender",
            "klass_id",
            "dorm_room_id",
            "phone",
            "guardian_name",
            "guardian_phone",
            "status",
        )
    )
    with transaction.atomic():
        Student.objects.all().delete()
        started = time.perf_counter()
        Student.objects.bulk_create([Student(**r) for r in rows], batch_size=1000)
        baseline = time.perf_counter() - started

    target = "≤ 30 s" if not args.quick else "smoke run; ≤ 30 s is for 50,000"
    print(f"import_students.rows: {n} students ({path.stat().st_size / 2**20:.1f} MB xlsx)")
    print(f"import_students.seconds: {seconds:.1f} s (target {target})")
    print(f"import_students.peak_memory: {peak:.0f} MB (target ≤ 500 MB)")
    print(
        f"import_students.reimport_seconds: {again:.1f} s, peak {again_peak:.0f} MB "
        "(nothing changed)"
    )
    print(f"import_students.baseline_bulk_create_seconds: {baseline:.1f} s")
    print(f"import_students.ratio_to_bulk_create: {seconds / baseline:.1f}x")


if __name__ == "__main__":
    main()

"""Import a 50,000-student .xlsx (CI smoke: --quick, 2,000) through the real importer.

Prints seconds and peak memory (RSS of the `shouwang import` process, start-up included), and the ratio to a baseline measured in
the same run: bulk-inserting the same rows directly, with no file parsing or checks."""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _setup import django_ready, line


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 2_000 if args.quick else 50_000
    django_ready()
    import openpyxl
    from django.db import transaction

    from shouwang.org.demo import generate, write
    from shouwang.org.importing import COLUMNS
    from shouwang.org.models import Student

    # The school's units come from the demo generator; its students are what we import.
    data = generate(students=n, seed=11)
    students = data.students
    data.students = []
    write(data, seed=11)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([h for h, _f, _r in COLUMNS["students"]])
    genders = {"M": "男", "F": "女"}
    for no, name, g, klass, room, phone, gname, gphone, _status in students:
        sheet.append([no, name, genders[g], klass, room, phone, gname, gphone, "在读"])
    path = Path(tempfile.mkdtemp()) / "students.xlsx"
    book.save(path)

    # The import runs as an operator would run it, `shouwang import students FILE`, in its own
    # process, so its peak memory is the import's own and not this script's generator.
    # VmHWM is the child's own high-water mark (getrusage would count the pages it had at fork).
    child = ("import sys; sys.argv = ['shouwang', 'import', 'students', sys.argv[1]]\n"
             "from shouwang.cli import main; main()\n"
             "print(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')))")
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", child, str(path)], check=True, env=dict(os.environ),
                         capture_output=True, text=True).stdout
    seconds = time.perf_counter() - started
    peak = int(out.split("VmHWM:")[1].split()[0]) / 1024
    assert Student.objects.count() == n

    # Baseline: the same rows straight into the table in one transaction.
    rows = list(Student.objects.values("student_no", "name", "gender", "klass_id", "dorm_room_id", "phone",
                                       "guardian_name", "guardian_phone", "status"))
    with transaction.atomic():
        Student.objects.all().delete()
        started = time.perf_counter()
        Student.objects.bulk_create([Student(**r) for r in rows], batch_size=2000)
        baseline = time.perf_counter() - started

    line("import_students.rows", n, "students")
    line("import_students.seconds", seconds, "s", "≤ 30 s for 50,000" if not args.quick else "smoke")
    line("import_students.peak_memory", peak, "MB", "≤ 500 MB")
    line("import_students.baseline_bulk_insert_seconds", baseline, "s")
    line("import_students.ratio_to_bulk_insert", seconds / baseline, "x")


if __name__ == "__main__":
    main()

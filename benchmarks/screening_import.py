"""Import a 50,000-row UPI screening .xlsx (CI smoke: --quick, 2,000) through the real job:
the upload queued (`round_request`), then the worker's job (`round_import`): every row read and
checked, the results written encrypted, each flagged student's care file opened through care's
service, the interviews and their deadlines scheduled.

Database: a temporary SQLite file unless SHOUWANG_DATABASE_URL is set. The school (50,000
students) comes from the demo generator. About 6 % of the rows are flagged (一类/二类), as a
UPI round of a large university gives. Both the import and the baseline run in their own
process, so each peak memory is its own. Prints:

  screening_import.seconds       request + job for the file (process start-up excluded)
  screening_import.peak_memory   that process's peak RSS (VmHWM)
  screening_import.baseline_*    plain openpyxl (read-only) reading every cell of the same file
  screening_import.ratio_to_openpyxl_read
Targets: ≤ 30 s and ≤ 500 MB for 50,000 rows.
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from _setup import django_ready

PEAK = """
def peak_mb():
    try:
        kb = int(next(l for l in open("/proc/self/status") if l.startswith("VmHWM")).split()[1])
    except OSError:
        import resource
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024
"""
IMPORT = (
    PEAK
    + """
import datetime, sys, time, django
django.setup()
from shouwang.accounts.models import User
from shouwang.screening import services
# Time spent in care's service (opening or updating the flagged students' files), apart.
in_care = [0.0]
opened = services.care_files_for_screening
def timed_care(**kw):
    t = time.perf_counter()
    try:
        return opened(**kw)
    finally:
        in_care[0] += time.perf_counter() - t
services.care_files_for_screening = timed_care
actor = User.objects.get(username="xlzx")
started = time.perf_counter()
with open(sys.argv[1], "rb") as f:
    rnd = services.round_request(
        actor=actor, term="2026秋季学期", instrument="upi",
        held_on=datetime.date.today(), data=f, filename="upi.xlsx",
    )
outcome = services.round_import(round_id=rnd.pk)
print("RESULT", outcome, time.perf_counter() - started, peak_mb(), in_care[0])
"""
)
BASELINE = (
    PEAK
    + """
import sys, time, openpyxl
started = time.perf_counter()
book = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
n = sum(1 for row in book.worksheets[0].iter_rows(values_only=True) for _v in row)
book.close()
print("RESULT", n, time.perf_counter() - started, peak_mb())
"""
)


def child(code, path):
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        check=True,
        env=dict(os.environ),
        capture_output=True,
        text=True,
    ).stdout
    what, seconds, peak, *care = out.split("RESULT", 1)[1].split()
    return what, float(seconds), float(peak), float(care[0]) if care else 0.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="2,000 rows (CI smoke)")
    args = parser.parse_args()
    n = 2_000 if args.quick else 50_000
    django_ready()
    import openpyxl

    from shouwang.care.models import CareFile
    from shouwang.demo.school import generate, write
    from shouwang.screening.instruments import SPECS
    from shouwang.screening.models import Interview, Result

    school = generate(students=n, seed=17)
    numbers = [(s[0], s[1]) for s in school.students]
    write(school, seed=17)
    before_files = CareFile.objects.count()
    before_interviews = Interview.objects.count()
    before_results = Result.objects.count()
    rng = random.Random(17)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("UPI普测")
    sheet.append([c.header for c in SPECS["upi"].columns])
    flagged = 0
    for no, name in numbers:
        roll = rng.random()
        total = rng.randint(25, 45) if roll < 0.03 else rng.randint(20, 24) if roll < 0.06 else 0
        total = total or min(19, int(rng.expovariate(1 / 7)))
        item25 = 1 if rng.random() < 0.005 else 0
        flagged += total >= 20 or item25 == 1
        risks = "学业就业压力" if total >= 20 and rng.random() < 0.3 else ""
        sheet.append([no, name, total, item25, "", risks])
    path = Path(tempfile.mkdtemp(prefix="shouwang-bench-")) / "upi.xlsx"
    book.save(path)
    del school, numbers, book, sheet

    outcome, seconds, peak, in_care = child(IMPORT, path)
    assert outcome == "imported", outcome
    assert Result.objects.count() - before_results == n
    files = CareFile.objects.count() - before_files
    interviews = Interview.objects.count() - before_interviews
    assert interviews == flagged, (interviews, flagged)
    cells, base_seconds, base_peak, _ = child(BASELINE, path)

    target = "≤ 30 s" if not args.quick else "smoke run; ≤ 30 s is for 50,000"
    size = path.stat().st_size / 2**20
    print(f"screening_import.rows: {n} rows ({size:.1f} MB xlsx), {flagged} flagged")
    print(f"screening_import.care_files_opened: {files}, interviews: {interviews}")
    print(f"screening_import.seconds: {seconds:.1f} s (target {target})")
    print(f"screening_import.of_which_care_service_seconds: {in_care:.1f} s ({files} files)")
    print(f"screening_import.peak_memory: {peak:.0f} MB (target ≤ 500 MB)")
    print(f"screening_import.baseline_openpyxl_read_seconds: {base_seconds:.1f} s ({cells} cells)")
    print(f"screening_import.baseline_openpyxl_read_peak_memory: {base_peak:.0f} MB")
    print(f"screening_import.ratio_to_openpyxl_read: {seconds / base_seconds:.1f}x")


if __name__ == "__main__":
    main()

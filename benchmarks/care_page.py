"""A care file's page (R-CARE-4): p95 with decryption and read logging, against the same page
without them, in the same run (CI smoke: --quick, fewer rounds and a smaller school).

Database: a temporary SQLite file unless SHOUWANG_DATABASE_URL is set (empty database). The demo
school gets one busy file (every risk factor, a screening result, 200 history entries, the
tasks of two tiers, 10 attachments, a supervision roster) read by its counsellor through
Django's handler. Baseline: the same requests with every decryption answered from a memo filled
beforehand and the read event not written (vault.fields.decrypt and
care.services.care_read_record swapped out), so the difference is what need-to-know costs.
Target: p95 ≤ 100 ms. Also printed: the process's CPU time per request (SQLite runs in the
process), which a machine shared with other work does not inflate as it does the wall clock.
"""

import argparse
import datetime
import time

from _setup import django_ready, line, percentile


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a 200-student school, 15 rounds")
    args = parser.parse_args()
    students, rounds = (200, 15) if args.quick else (2_000, 200)
    django_ready()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.utils import timezone

    from shouwang.audit.models import Event
    from shouwang.care import services, tiers
    from shouwang.care.models import CareFile, Entry, Via
    from shouwang.demo.school import build_demo
    from shouwang.org.models import Post, Student
    from shouwang.vault import fields

    settings.ALLOWED_HOSTS = ["*"]
    build_demo(students=students, seed=1)
    post = (
        Post.objects.current()
        .filter(role__code="counsellor", unit__kind="class")
        .select_related("person", "unit")
        .order_by("unit__path")
        .last()
    )
    psych = Post.objects.current().filter(role__code="psych_staff").first().person
    student = Student.objects.filter(klass=post.unit).exclude(care_file__isnull=False).first()
    now = timezone.now()
    file = services.care_file_open_or_update(
        actor=psych,
        student=student,
        via=Via.SCREENING,
        risk_factors=sorted(tiers.risk_factor_codes()),
        screening={"UPI": 31, "SCL90": 3.1, "flag": True},
        note="基准",
    )
    services.care_tier_change(actor=psych, file=file, tier="general", now=now)
    services.care_tier_change(actor=psych, file=file, tier="disorder", now=now)
    Entry.objects.bulk_create(
        [
            Entry(file=file, kind="note", actor=post.person, at=now, text=f"谈心谈话记录 {i} " * 8)
            for i in range(200)
        ]
    )
    for i in range(10):
        services.care_attachment_add(
            actor=post.person,
            file=file,
            upload=SimpleUploadedFile(
                f"scan{i}.pdf", b"%PDF-1.4 " + b"x" * 50_000, content_type="application/pdf"
            ),
        )
    for h in range(0, 40, 8):
        start = now + datetime.timedelta(hours=h)
        services.care_watch_add(
            actor=post.person,
            file=file,
            watcher=f"监护人{h}",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=6),
        )

    client = Client()
    client.force_login(post.person)
    url = f"/care/files/{file.pk}/"
    assert client.get(url).status_code == 200

    real_decrypt, real_record = fields.decrypt, services.care_read_record
    memo: dict = {}

    def memo_decrypt(stored, *, aad):
        key = (stored, aad)
        if key not in memo:
            memo[key] = real_decrypt(stored, aad=aad)
        return memo[key]

    def no_record(**kwargs):
        return None

    def baseline_get():
        fields.decrypt, services.care_read_record = memo_decrypt, no_record
        try:
            return client.get(url)
        finally:
            fields.decrypt, services.care_read_record = real_decrypt, real_record

    assert baseline_get().status_code == 200  # fills the memo
    reads_before = Event.objects.filter(verb="care.read").count()
    page, base, page_cpu, base_cpu = [], [], [], []
    for _ in range(rounds):
        started, cpu = time.perf_counter(), time.process_time()
        assert client.get(url).status_code == 200
        page.append((time.perf_counter() - started) * 1000)
        page_cpu.append((time.process_time() - cpu) * 1000)
        started, cpu = time.perf_counter(), time.process_time()
        assert baseline_get().status_code == 200
        base.append((time.perf_counter() - started) * 1000)
        base_cpu.append((time.process_time() - cpu) * 1000)
    assert Event.objects.filter(verb="care.read").count() - reads_before == rounds
    assert CareFile.objects.get(pk=file.pk).risk_factors  # still reads
    line("care.page_rounds", rounds, "requests")
    line("care.page_p50_ms", percentile(page, 50), "ms")
    line("care.page_p95_ms", percentile(page, 95), "ms", "≤ 100 ms")
    line("care.baseline_no_decrypt_no_log_p95_ms", percentile(base, 95), "ms")
    line("care.overhead_p50_ms", percentile(page, 50) - percentile(base, 50), "ms")
    # CPU time of this process (the database is in-process SQLite): what a loaded machine's
    # wall clock hides behind other processes' turns.
    line("care.page_cpu_p95_ms", percentile(page_cpu, 95), "ms")
    line("care.baseline_cpu_p95_ms", percentile(base_cpu, 95), "ms")


if __name__ == "__main__":
    main()

"""The 综合报告 of an incident with 500 timeline events, as Word and as PDF (CI smoke: --quick,
fewer rounds). Timed end to end as the worker runs it: documents.services.document_request then
document_generate (the record read from the database, rendered, stored, SHA-256, the timeline
event). Baselines from the same run and the same text: a plain python-docx document (one
unstyled paragraph per line of the report) and a plain WeasyPrint page (one <p> per line).

Database: a temporary SQLite file unless SHOUWANG_DATABASE_URL is set (empty database).
record_read_s is the part spent reading the record (the same for both formats).
Targets: docx ≤ 3 s, PDF ≤ 5 s (wall clock). The process's CPU seconds are printed too: on a
machine shared with other work the wall clock says more about the neighbours than about us.
"""

import argparse
import io
import statistics
import tempfile
import time

from _setup import django_ready, line

EVENTS = 500


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="one round of each (CI smoke)")
    args = parser.parse_args()
    rounds = 1 if args.quick else 3
    django_ready()
    from django.conf import settings
    from django.utils import timezone
    from docx import Document as new_docx
    from weasyprint import HTML

    from shouwang.audit.models import Event
    from shouwang.demo.school import build_demo
    from shouwang.documents import render, selectors, services
    from shouwang.documents.models import Document
    from shouwang.incidents import services as incidents
    from shouwang.org.models import Post, Unit
    from shouwang.plans.models import Plan

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="shouwang-bench-media-")
    build_demo(students=200, seed=1)
    officer = Post.objects.current().filter(role__code="student_affairs_officer").first().person
    klass = Unit.objects.filter(kind="class").order_by("code").first()
    plan = Plan.objects.get(code="group_fight")
    at = timezone.now()
    incident = incidents.incident_activate(
        actor=officer,
        plan=plan,
        level=plan.current.document["levels"][-1]["code"],
        unit=klass,
        title="宿舍区聚集斗殴",
        now=at,
    )
    head = incident.group.filter(position="head").first().person
    for task in incident.tasks.all():
        incidents.task_complete(actor=head, task=task, note="已完成", now=at)
    events = Event.objects.filter(subject_type="incidents.incident", subject_id=str(incident.pk))
    n = 0
    while events.count() < EVENTS:
        n += 1
        incidents.situation_add(
            actor=head,
            incident=incident,
            text=f"第{n}次续报：现场秩序平稳，人员已疏散，"
            "校医院正在救治一名轻伤学生，保卫处在场维持秩序。",
            people_involved=30,
            injured=1,
            trend="平稳",
            place="1号宿舍楼",
            now=at,
        )

    def generate(fmt):
        seconds, cpu = [], []
        for _ in range(rounds):
            started, started_cpu = time.perf_counter(), time.process_time()
            doc = services.document_request(
                actor=officer, incident=incident, kind="comprehensive", fmt=fmt
            )
            assert services.document_generate(document_id=doc.pk) == "done"
            seconds.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        return seconds, cpu, Document.objects.get(pk=doc.pk)

    started = time.perf_counter()
    record = selectors.comprehensive_record(officer, incident)
    record_s = time.perf_counter() - started
    texts = [text for _kind, text in render.blocks_for(record)]

    def plain_docx():
        started = time.perf_counter()
        document = new_docx()
        for text in texts:
            document.add_paragraph(text)
        document.save(io.BytesIO())
        return time.perf_counter() - started

    def plain_pdf():
        from django.utils.html import escape

        started = time.perf_counter()
        html = (
            "<html><body style=\"font-family: 'Noto Serif CJK SC'\">"
            + "".join(f"<p>{escape(t)}</p>" for t in texts)
            + "</body></html>"
        )
        HTML(string=html).write_pdf()
        return time.perf_counter() - started

    docx_s, docx_cpu, docx_doc = generate("docx")
    pdf_s, pdf_cpu, pdf_doc = generate("pdf")
    base_docx = [plain_docx() for _ in range(rounds)]
    base_pdf = [plain_pdf() for _ in range(rounds)]
    line("documents.timeline_events", events.count(), "events")
    line("documents.report_lines", len(texts), "paragraphs")
    line("documents.record_read_s", record_s, "s")
    line("documents.docx_median_s", statistics.median(docx_s), "s")
    line("documents.docx_max_s", max(docx_s), "s", "≤ 3 s")
    line("documents.docx_cpu_median_s", statistics.median(docx_cpu), "s")
    line("documents.docx_size_kb", docx_doc.size / 1024, "KB")
    line("documents.baseline_plain_python_docx_s", statistics.median(base_docx), "s")
    line(
        "documents.docx_ratio_to_plain",
        statistics.median(docx_s) / statistics.median(base_docx),
        "×",
    )
    line("documents.pdf_median_s", statistics.median(pdf_s), "s")
    line("documents.pdf_max_s", max(pdf_s), "s", "≤ 5 s")
    line("documents.pdf_cpu_median_s", statistics.median(pdf_cpu), "s")
    line("documents.pdf_size_kb", pdf_doc.size / 1024, "KB")
    line("documents.baseline_plain_weasyprint_s", statistics.median(base_pdf), "s")
    line(
        "documents.pdf_ratio_to_plain", statistics.median(pdf_s) / statistics.median(base_pdf), "×"
    )


if __name__ == "__main__":
    main()

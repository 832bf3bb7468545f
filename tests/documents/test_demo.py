"""The demo school shows documents on the first start: its closed incident's 综合报告 is there."""

import pytest
from docx import Document as open_docx

from shouwang.demo.school import build_demo
from shouwang.documents.models import Document
from shouwang.incidents.models import Incident

pytestmark = pytest.mark.django_db


def test_the_demo_school_has_a_closed_incident_with_its_comprehensive_report(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    build_demo(students=200, seed=3)
    incident = Incident.objects.get(status="closed")
    assert incident.report is not None and incident.decisions.count() == 2 and incident.releases.count() == 1
    assert not incident.tasks.filter(state="open").exists()
    document = Document.objects.get()
    assert (document.incident, document.kind, document.format, document.state) == (
        incident, "comprehensive", "docx", "done")
    text = "\n".join(p.text for p in open_docx(document.file.open("rb")).paragraphs)
    assert text.startswith(f"关于{incident.title}的综合报告") and "暂不请求警力支援" in text

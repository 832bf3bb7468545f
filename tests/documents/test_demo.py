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
    # The newest closed incident: documents' own night fight, or the one the aftermath demo
    # closed when it runs first (then documents reuses it rather than closing a second one).
    incident = Incident.objects.filter(status="closed").order_by("-closed_at").first()
    assert incident is not None and Incident.objects.filter(status="closed").count() == 1
    assert not incident.tasks.filter(state="open", mandatory=True).exists()
    document = Document.objects.get()
    assert (document.incident, document.kind, document.format, document.state) == (
        incident,
        "comprehensive",
        "docx",
        "done",
    )
    text = "\n".join(p.text for p in open_docx(document.file.open("rb")).paragraphs)
    assert text.startswith(f"关于{incident.title}的综合报告")
    for decision in incident.decisions.all():
        assert f"决定“{decision.option}”" in text

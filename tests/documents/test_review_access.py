"""Who may have the 复盘报告 (issue 15): the incident's command group (and whoever activated it)
and the offices that oversee reviews (学生处, the school's leaders); anyone else who sees the
incident gets 404 for it, and is not offered it. The 综合报告 keeps its rule (the incident's)."""

from django_tasks_db.models import DBTaskResult

from shouwang.documents import services
from shouwang.documents.models import Document

from .conftest import client_for


def _generated(campus, incident, kind):
    doc = services.document_request(actor=campus.chen, incident=incident, kind=kind, fmt="docx")
    assert services.document_generate(document_id=doc.pk) == "done"
    return doc


def _urls(doc):
    return (
        f"/documents/{doc.pk}/",
        f"/documents/{doc.pk}/progress/",
        f"/documents/{doc.pk}/download/",
        f"/api/v1/documents/{doc.pk}",
        f"/api/v1/documents/{doc.pk}/file",
    )


def test_the_command_group_and_the_review_offices_download_the_review_report(
    campus, closed_incident
):
    review = _generated(campus, closed_incident, "review")
    # chen: 学生处 (office, deputy); boss: 组长 and school leader; bao: a member of the group only.
    for person in (campus.chen, campus.boss, campus.bao):
        page = client_for(person)
        for url in _urls(review):
            assert page.get(url).status_code == 200, (person.username, url)
        listed = page.get(f"/api/v1/incidents/{closed_incident.pk}/documents").json()
        assert [d["id"] for d in listed] == [review.pk], person.username
        assert (
            'id="generate-review-docx"'
            in page.get(f"/documents/incidents/{closed_incident.pk}/").content.decode()
        )


def test_others_who_see_the_incident_get_404_for_the_review_report_but_keep_the_comprehensive(
    campus, closed_incident
):
    review = _generated(campus, closed_incident, "review")
    comprehensive = _generated(campus, closed_incident, "comprehensive")
    # zhang: class A's counsellor; li and wang: the college's deputy secretary and head (in scope).
    for person in (campus.zhang, campus.li, campus.wang):
        page = client_for(person)
        for url in _urls(review):
            assert page.get(url).status_code == 404, (person.username, url)
        assert page.get(f"/documents/{comprehensive.pk}/download/").status_code == 200, (
            person.username
        )
        assert page.get(f"/api/v1/documents/{comprehensive.pk}/file").status_code == 200, (
            person.username
        )
        listed = page.get(f"/api/v1/incidents/{closed_incident.pk}/documents").json()
        assert [d["id"] for d in listed] == [comprehensive.pk], person.username
        html = page.get(f"/documents/incidents/{closed_incident.pk}/").content.decode()
        assert (
            'id="generate-review-docx"' not in html and 'id="generate-comprehensive-docx"' in html
        )
        # Asking for it anyway is refused and queues nothing.
        before = (Document.objects.count(), DBTaskResult.objects.count())
        assert (
            page.post(
                f"/documents/incidents/{closed_incident.pk}/", {"kind": "review", "format": "docx"}
            ).status_code
            == 403
        )
        assert (
            page.post(
                f"/api/v1/incidents/{closed_incident.pk}/documents",
                {"kind": "review", "format": "pdf"},
                content_type="application/json",
            ).status_code
            == 403
        )
        assert (Document.objects.count(), DBTaskResult.objects.count()) == before

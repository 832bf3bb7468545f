"""Evidence files through the API (issue 15): the investigation's attachments and the files of a
corrective action's progress reports and submission, multipart, with the report attachments'
checks (type from the bytes); a refused file changes nothing; scoped like the pages."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from shouwang.aftermath import services
from shouwang.aftermath.models import (
    ActionEvidence,
    Aftermath,
    AftermathAttachment,
    CorrectiveAction,
    Review,
)
from shouwang.audit.models import Event

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def _png(name="现场.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def _exe(name="照片.jpg"):
    return SimpleUploadedFile(name, b"MZ\x90\x00 not an image", content_type="image/jpeg")


def test_investigation_evidence_through_the_api(campus, closed):
    aftermath = Aftermath.objects.get(incident=closed)
    url = f"/api/v1/aftermath/{aftermath.pk}/attachments"
    chen = client_for(campus.chen)
    events = Event.objects.count()
    refused = chen.post(url, {"files": [_exe()]})
    assert refused.status_code == 422 and "照片.jpg" in str(refused.json())
    assert not AftermathAttachment.objects.exists() and Event.objects.count() == events
    assert (
        client_for(campus.zhao).post(url, {"files": [_png()]}).status_code == 404
    )  # cannot see it
    assert (
        client_for(campus.zhang).post(url, {"files": [_png()]}).status_code == 403
    )  # sees, not the group
    added = chen.post(url, {"files": [_png()]})
    assert added.status_code == 201
    [file] = added.json()["attachments"]
    assert (file["name"], file["content_type"], file["size"]) == ("现场.png", "image/png", len(PNG))
    assert AftermathAttachment.objects.get().uploaded_by == campus.chen
    assert (
        Event.objects.filter(verb="aftermath.investigation_saved")
        .latest("seq")
        .data["attachments"][0]["name"]
        == "现场.png"
    )
    assert (
        chen.get(f"/api/v1/aftermath/{aftermath.pk}").json()["attachments"][0]["sha256"]
        == file["sha256"]
    )


def _action(campus, closed):
    review = Review.objects.get(incident=closed)
    return services.action_issue(
        actor=campus.chen,
        source_type=services.REVIEW_SOURCE,
        source_id=review.pk,
        title="完善制度",
        requirement="修订",
        evidence_required="制度文本",
        owner_unit=campus.class_a,
        owner=campus.zhang,
        due_at=timezone.now() + timedelta(days=30),
    )


def test_progress_and_submission_with_files_through_the_api(campus, closed):
    action = _action(campus, closed)
    zhang = client_for(campus.zhang)
    base = f"/api/v1/corrective-actions/{action.pk}"
    refused = zhang.post(f"{base}/progress/files", {"text": "进展", "files": [_png(), _exe()]})
    assert refused.status_code == 422 and "照片.jpg" in str(refused.json())
    action.refresh_from_db()
    assert (
        action.state == "deployed"
        and not ActionEvidence.objects.exists()
        and not action.steps.exists()
    )
    assert (
        client_for(campus.zhao)
        .post(f"{base}/progress/files", {"text": "x", "files": [_png()]})
        .status_code
        == 404
    )
    assert (
        client_for(campus.chen)
        .post(f"{base}/progress/files", {"text": "x", "files": [_png()]})
        .status_code
        == 403
    )  # issuer, not owner
    step = zhang.post(f"{base}/progress/files", {"text": "已开会", "files": [_png("会议.png")]})
    assert step.status_code == 201 and step.json()["state"] == "implementing"
    assert [f["name"] for f in step.json()["evidence"]] == ["会议.png"]
    submitted = zhang.post(
        f"{base}/submit/files", {"evidence_text": "见附件", "files": [_png("制度.png")]}
    )
    assert submitted.status_code == 200 and submitted.json()["state"] == "inspecting"
    assert [f["name"] for f in submitted.json()["evidence"]] == ["会议.png", "制度.png"]
    assert (
        CorrectiveAction.objects.get(pk=action.pk).evidence.filter(step__isnull=False).count() == 2
    )


def test_openapi_documents_the_file_endpoints(campus):
    paths = client_for(campus.chen).get("/api/v1/openapi.json").json()["paths"]
    for p in (
        "/api/v1/aftermath/{aftermath_id}/attachments",
        "/api/v1/corrective-actions/{action_id}/progress/files",
        "/api/v1/corrective-actions/{action_id}/submit/files",
    ):
        assert "multipart/form-data" in paths[p]["post"]["requestBody"]["content"], p

"""A document stuck generating after its worker died (issue 15): the worker's sweep gives it up
once its job has not moved on for STUCK_MINUTES, records `document.failed`, and the person who
asked may ask again at once (no 15-minute wait). Controllable clock: every step takes `now=`."""

from datetime import timedelta

from shouwang.audit.models import Event
from shouwang.documents import health, selectors, services
from shouwang.documents.models import Document
from shouwang.ops.sweeps import HEALTH_CHECKS, SWEEPS

from .conftest import T, client_for

BOUND = timedelta(minutes=selectors.STUCK_MINUTES)


def _crashed(campus, incident, at):
    """Asked for and claimed by a worker that then died: running, 5%, never moving on."""
    doc = services.document_request(
        actor=campus.chen, incident=incident, kind="comprehensive", fmt="docx", now=at
    )
    claimed = Document.objects.filter(pk=doc.pk, state="queued").update(
        state="running", started_at=at, progressed_at=at, progress=5
    )
    assert claimed == 1
    return doc


def _failures(incident):
    return list(
        Event.objects.filter(
            subject_type="incidents.incident", subject_id=str(incident.pk), verb="document.failed"
        ).values_list("data", flat=True)
    )


def test_a_job_that_stopped_moving_on_is_given_up_and_may_be_asked_for_again(
    campus, closed_incident
):
    at = T.closed + timedelta(hours=1)
    doc = _crashed(campus, closed_incident, at)
    # Within the bound nothing happens, and asking again answers with the same (running) job.
    assert services.documents_unstick(now=at + BOUND - timedelta(seconds=1)) == 0
    assert (
        services.document_request(
            actor=campus.chen,
            incident=closed_incident,
            kind="comprehensive",
            fmt="docx",
            now=at + BOUND,
        ).pk
        == doc.pk
    )
    assert health.stuck_warnings(now=at + BOUND - timedelta(seconds=1)) == []
    assert len(health.stuck_warnings(now=at + BOUND + timedelta(seconds=1))) == 1

    assert services.documents_unstick(now=at + BOUND + timedelta(seconds=1)) == 1
    doc.refresh_from_db()
    assert (doc.state, doc.error) == ("failed", services.STUCK_REASON)
    [failure] = _failures(closed_incident)
    assert failure["document"] == doc.pk and failure["stuck"] is True and failure["progress"] == 5
    assert services.documents_unstick(now=at + BOUND * 2) == 0  # once: no second event
    assert len(_failures(closed_incident)) == 1

    # The page says so, with the way to ask again; asking again makes a new job at once.
    html = client_for(campus.chen).get(f"/documents/{doc.pk}/progress/").content.decode()
    assert (
        services.STUCK_REASON in html and 'id="document-again"' in html and "hx-trigger" not in html
    )
    again = services.document_request(
        actor=campus.chen,
        incident=closed_incident,
        kind="comprehensive",
        fmt="docx",
        now=at + BOUND * 2,
    )
    assert again.pk != doc.pk and again.state == "queued"


def test_a_job_still_moving_on_is_left_alone(campus, closed_incident):
    at = T.closed + timedelta(hours=1)
    doc = _crashed(campus, closed_incident, at)
    Document.objects.filter(pk=doc.pk).update(progress=60, progressed_at=at + BOUND)
    assert services.documents_unstick(now=at + BOUND + timedelta(minutes=1)) == 0
    doc.refresh_from_db()
    assert doc.state == "running" and _failures(closed_incident) == []
    html = client_for(campus.chen).get(f"/documents/{doc.pk}/progress/").content.decode()
    assert 'id="document-progressed-at"' in html and "hx-trigger" in html


def test_a_slow_job_given_up_on_does_not_overwrite_the_failure(
    campus, closed_incident, monkeypatch
):
    doc = services.document_request(
        actor=campus.chen, incident=closed_incident, kind="comprehensive", fmt="docx"
    )

    def slow(record, progress=None):  # the sweep runs while the renderer is still at work
        Document.objects.filter(pk=doc.pk).update(progressed_at=T.closed)
        assert services.documents_unstick(now=T.closed + BOUND * 2) == 1
        return b"late"

    monkeypatch.setitem(services.RENDERERS, "docx", slow)
    assert services.document_generate(document_id=doc.pk) == "given up"
    doc.refresh_from_db()
    assert (doc.state, doc.file.name) == ("failed", "")
    assert len(_failures(closed_incident)) == 1


def test_the_worker_sweeps_for_stuck_documents_and_check_deploy_warns():
    assert (
        services.documents_unstick in SWEEPS
        and services.documents_unstick.sweep_every_seconds == 60
    )
    assert health.stuck_warnings in HEALTH_CHECKS

"""Document endpoints: ask for the 综合报告 / 复盘报告 of an incident as Word or PDF (queued, 202),
follow its progress, download it when done. Scoped like the incident (404 otherwise). Acts as a
person: an integration token gets 403 (a report is written for someone who answers for it)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from shouwang.incidents.selectors import incident_get
from shouwang.reports.api import FieldErrorsOut, _field_errors

from . import selectors, services
from .models import Document

router = Router(tags=["documents"])


def _person(request):
    if getattr(request.auth, "token", None) is not None:
        raise HttpError(
            403, _("Documents are generated for a person; an integration token cannot.")
        )
    return request.auth


class DocumentIn(Schema):
    kind: str = Field(
        ..., max_length=20, description="comprehensive (综合报告) | review (复盘报告)"
    )
    format: str = Field(..., max_length=10, description="docx | pdf")


class DocumentOut(Schema):
    id: int
    incident: int = Field(..., alias="incident_id")
    kind: str
    format: str
    state: str = Field(..., description="queued | running | done | failed")
    progress: int = Field(..., description="percent")
    sha256: str
    size: int | None
    filename: str
    error: str
    requested_by: int = Field(..., alias="requested_by_id")
    requested_at: datetime.datetime
    finished_at: datetime.datetime | None
    download: str | None = Field(None, description="the file's URL once done")

    @staticmethod
    def resolve_download(obj):
        return f"/api/v1/documents/{obj.pk}/file" if obj.state == Document.State.DONE else None


@router.post(
    "/incidents/{incident_id}/documents",
    response={202: DocumentOut, 422: FieldErrorsOut},
    summary="Generate a document of an incident (综合报告/复盘报告, Word/PDF)",
)
def document_request(request, incident_id: int, payload: DocumentIn):
    person = _person(request)
    incident = incident_get(person, incident_id)
    try:
        return Status(
            202,
            services.document_request(
                actor=person, incident=incident, kind=payload.kind, fmt=payload.format
            ),
        )
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None


@router.get(
    "/incidents/{incident_id}/documents",
    response=list[DocumentOut],
    summary="An incident's documents",
)
def document_list(request, incident_id: int):
    person = _person(request)
    return selectors.documents_for(person, incident_get(person, incident_id))


@router.get(
    "/documents/{document_id}", response=DocumentOut, summary="A document's state and progress"
)
def document_detail(request, document_id: int):
    return selectors.document_get(_person(request), document_id)


@router.get(
    "/documents/{document_id}/file",
    summary="Download a generated document (always an attachment)",
    response={200: None, 409: FieldErrorsOut},
)
def document_file(request, document_id: int):
    document = selectors.document_get(_person(request), document_id)
    if document.state != Document.State.DONE or not document.file:
        return Status(409, {"detail": {"__all__": [_("The document is not generated yet.")]}})
    response = FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.filename,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

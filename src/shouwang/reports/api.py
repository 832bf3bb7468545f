"""Report endpoints: usable with a person's session or an integration token (an access-control
or campus-card system files reports as itself, limited to its unit subtree)."""

import datetime
from typing import Annotated

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Header, Query, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError
from ninja.responses import NinjaJSONEncoder

from shouwang import bounds
from shouwang.api import idempotency
from shouwang.api.permissions import PEOPLE_ONLY, perm_auth, require_token_perm
from shouwang.api.types import Count, Instant, Text

from . import selectors, services
from .attachments import safe_name
from .timeline import verb_label

router = Router(tags=["reports"])


Code = Annotated[str, Field(max_length=40)]


class ReportIn(Schema):
    category: Code
    severity: str = Field(..., description="general | larger | major | critical", max_length=10)
    unit: Code = Field(..., description="code of the unit the report is about")
    occurred_at: Instant = Field(..., description="ISO 8601; from 2000, not in the future")
    place: str = Field(..., max_length=200)
    description: Text
    people_count: Count | None = None
    cause: Text = ""
    trend: Text = ""
    students: list[Annotated[str, Field(max_length=20)]] = Field(
        default_factory=list,
        max_length=bounds.MAX_LIST,
        description="学号 of the students involved",
    )
    units_involved: list[Code] = Field(default_factory=list, max_length=bounds.MAX_LIST)


class AttachmentOut(Schema):
    id: int
    name: str = Field(..., alias="original_name")
    content_type: str = Field(..., description="sniffed from the bytes")
    size: int
    sha256: str
    update: int | None = Field(
        None, alias="update_id", description="the update it came with, if any"
    )


class ReportOut(Schema):
    id: int
    category: str = Field(..., alias="category.code")
    category_name: str = Field(..., alias="category.name")
    severity: str
    unit: str = Field(..., alias="unit.code")
    occurred_at: datetime.datetime
    filed_at: datetime.datetime
    place: str
    people_count: int | None
    cause: str
    trend: str
    description: str
    ack_state: str
    current_step: int
    acknowledged_at: datetime.datetime | None
    verification: str
    decision: str
    reporter: str
    students: list[str]
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_reporter(obj, context):
        # A covert observer's name is shown only to counsellors and above (R-ORG-6).
        return selectors.reporter_label(context["request"].auth, obj)

    @staticmethod
    def resolve_students(obj):
        return [s.student_no for s in obj.students.all()]

    @staticmethod
    def resolve_attachments(obj):
        return list(obj.attachments.all())


class UpdateIn(Schema):
    text: Text
    people_count: Count | None = None
    trend: Text = ""
    occurred_at: Instant | None = Field(None, description="corrected time it happened (ISO 8601)")
    place: str = Field("", max_length=200, description="corrected place")


class UpdateOut(Schema):
    id: int
    text: str
    people_count: int | None
    trend: str
    occurred_at: datetime.datetime | None
    place: str
    at: datetime.datetime


class AckIn(Schema):
    note: str = Field("", max_length=500)


class SeverityIn(Schema):
    severity: str = Field(..., description="general | larger | major | critical", max_length=10)
    reason: Text = Field(..., description="why the severity changes (required)")


class EventOut(Schema):
    seq: int
    verb: str
    label: str = Field(..., description="the verb in the request's language (zh-Hans by default)")
    at: datetime.datetime
    actor: str = Field(
        ...,
        description=(
            "who did it; empty for the system. A covert reporter is hidden below counsellor"
        ),
    )
    data: dict


class FieldErrorsOut(Schema):
    detail: dict[str, list[str]] = Field(..., description="field → Chinese error messages")


def _field_errors(exc: ValidationError):
    if hasattr(exc, "error_dict"):
        return {
            "detail": {
                field: [m for e in errors for m in e.messages]
                for field, errors in exc.error_dict.items()
            }
        }
    return {"detail": {"__all__": exc.messages}}


IDEMPOTENCY_HELP = (
    "Optional. A key of your choice (1–200 printable ASCII characters, e.g. a UUID) that makes a "
    "retry safe: the same key with the same body answers exactly what the first request answered "
    "(header `Idempotent-Replayed: true`) and files nothing; the same key with a different body "
    "gets 422. Keys are kept 48 hours (SHOUWANG_IDEMPOTENCY_KEEP_HOURS), per token or person."
)


@router.post(
    "/reports",
    response={201: ReportOut, 422: FieldErrorsOut},
    summary="File a report (预警上报)",
    auth=perm_auth("reports.write"),
)
def file_report(
    request,
    payload: ReportIn,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", description=IDEMPOTENCY_HELP)
    ] = None,
):
    require_token_perm(request, "reports.write")
    token = getattr(request.auth, "token", None)

    def run():
        try:
            report = services.report_file(actor=request.auth, api_token=token, **payload.dict())
        except ValidationError as exc:
            return JsonResponse(_field_errors(exc), status=422, encoder=NinjaJSONEncoder)
        out = ReportOut.from_orm(report, context={"request": request, "response_status": 201})
        return JsonResponse(out.model_dump(), status=201, encoder=NinjaJSONEncoder)

    return idempotency.once(request, idempotency_key, "reports.file", run) or run()


@router.get(
    "/reports",
    response=list[ReportOut],
    summary="Reports the caller may see",
    auth=perm_auth("reports.read"),
)
def list_reports(
    request,
    category: str | None = None,
    severity: str | None = None,
    ack_state: str | None = None,
    verification: str | None = None,
    unit: str | None = None,
    since: Instant | None = None,
    until: Instant | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
):
    require_token_perm(request, "reports.read")
    qs = selectors.report_list(
        request.auth,
        category=category,
        severity=severity,
        ack_state=ack_state,
        verification=verification,
        unit=unit,
        since=since,
        until=until,
    )
    limit = max(1, min(limit, 200))
    return list(
        qs.prefetch_related("students", "attachments")[max(0, offset) : max(0, offset) + limit]
    )


@router.get("/reports/{report_id}", response=ReportOut, auth=perm_auth("reports.read"))
def get_report(request, report_id: int):
    require_token_perm(request, "reports.read")
    return selectors.report_get(request.auth, report_id)


@router.post(
    "/reports/{report_id}/updates",
    response={201: UpdateOut, 422: FieldErrorsOut},
    summary="Append an update (续报)",
    auth=perm_auth("reports.write"),
)
def add_update(request, report_id: int, payload: UpdateIn):
    require_token_perm(request, "reports.write")
    report = selectors.report_get(request.auth, report_id)
    try:
        update = services.report_update_add(actor=request.auth, report=report, **payload.dict())
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    return Status(201, update)


@router.post(
    "/reports/{report_id}/ack",
    response=ReportOut,
    summary="Acknowledge (确认收到)",
    auth=PEOPLE_ONLY,
)
def acknowledge(request, report_id: int, payload: AckIn):
    if getattr(request.auth, "token", None) is not None:
        raise HttpError(
            403,
            _("Only the people asked can acknowledge; an integration token cannot do it for them."),
        )
    report = selectors.report_get(request.auth, report_id)
    try:
        report = services.report_acknowledge(
            actor=request.auth, report=report, channel="api", note=payload.note
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("Permission denied.")) from None
    return report


@router.post(
    "/reports/{report_id}/severity",
    response={200: ReportOut, 422: FieldErrorsOut},
    summary="Change the severity (定级调整), with a reason",
    auth=PEOPLE_ONLY,
)
def change_severity(request, report_id: int, payload: SeverityIn):
    if getattr(request.auth, "token", None) is not None:
        raise HttpError(
            403,
            _(
                "Only a person who verifies reports can change a severity, "
                "not an integration token."
            ),
        )
    report = selectors.report_get(request.auth, report_id)
    try:
        report = services.report_severity_change(
            actor=request.auth, report=report, **payload.dict()
        )
    except PermissionDenied:
        raise HttpError(
            403, _("Only those who verify this report can change its severity.")
        ) from None
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    return Status(200, selectors.report_get(request.auth, report.pk))


@router.get(
    "/reports/{report_id}/timeline",
    response=list[EventOut],
    summary="Every event of a report",
    auth=perm_auth("reports.read"),
)
def timeline(request, report_id: int):
    require_token_perm(request, "reports.read")
    report = selectors.report_get(request.auth, report_id)
    return [
        {
            "seq": e.seq,
            "verb": e.verb,
            "label": verb_label(e.verb, e.data),
            "at": e.at,
            "actor": selectors.event_actor_label(request.auth, report, e),
            "data": e.data,
        }
        for e in selectors.report_timeline(request.auth, report)
    ]


@router.post(
    "/reports/{report_id}/attachments",
    response={201: UpdateOut, 422: FieldErrorsOut},
    summary="Append an update with files (multipart: text, files)",
    auth=perm_auth("reports.write"),
)
def add_attachments(request, report_id: int, text: Form[str], files: File[list[UploadedFile]]):
    require_token_perm(request, "reports.write")
    report = selectors.report_get(request.auth, report_id)
    try:
        update = services.report_update_add(
            actor=request.auth, report=report, text=text, attachments=files
        )
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    return Status(201, update)


@router.get(
    "/reports/{report_id}/attachments/{attachment_id}",
    response={200: None},
    summary="Download an attachment (sniffed content type, never rendered inline)",
    auth=perm_auth("reports.read"),
)
def get_attachment(request, report_id: int, attachment_id: int):
    require_token_perm(request, "reports.read")
    report = selectors.report_get(request.auth, report_id)
    attachment = get_object_or_404(report.attachments, pk=attachment_id)
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=True,
        filename=safe_name(attachment.original_name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response

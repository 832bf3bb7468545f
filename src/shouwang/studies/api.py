"""The studies API (/api/v1/…): 学业预警 read, an attendance batch posted by the academic
system's integration (a person of 学生处/教务处 with their session), the parent contact recorded."""

import datetime
from typing import Annotated

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from shouwang import bounds
from shouwang.api.permissions import PEOPLE_ONLY

from . import selectors, services
from .models import AcademicWarning

router = Router(tags=["studies"])

# (method, path) → summary, merged into api_v1.SUMMARIES (Chinese through the catalogue).
SUMMARIES: dict = {
    ("get", "/studies/warnings"): gettext_lazy("Academic warnings the caller may see"),
    ("post", "/studies/attendance"): gettext_lazy("Import a batch of class attendance"),
    ("post", "/studies/warnings/{warning_id}/contact"): gettext_lazy(
        "Record the parent contact of an academic warning"
    ),
}

Short = Annotated[str, Field(max_length=100)]


class AttendanceRow(Schema):
    student_no: Annotated[str, Field(max_length=20, description="学号")]
    date: Annotated[str, Field(max_length=20, description="2026-11-23")]
    course: Short = Field(..., description="course or period (课程/节次)")
    status: Annotated[str, Field(max_length=10, description="出勤 | 缺勤 | 请假 | 迟到")]


class AttendanceIn(Schema):
    rows: list[AttendanceRow] = Field(..., max_length=services.MAX_BATCH)


class ImportOut(Schema):
    created: int
    updated: int
    unchanged: int


class StudiesRowErrorOut(Schema):
    row: int | None
    column: str
    message: str


class RowErrorsOut(Schema):
    detail: str
    errors: list[StudiesRowErrorOut]


class WarningOut(Schema):
    id: int
    student: str = Field(..., alias="student.student_no")
    name: str = Field(..., alias="student.name")
    klass: str = Field(..., alias="student.klass.code")
    term: str
    level: str = Field(..., description="yellow | orange | red")
    failed_credits: float
    raised_at: datetime.datetime
    contact: str = Field(..., description="waiting | overdue | done")
    contact_due_at: datetime.datetime


class ContactIn(Schema):
    date: datetime.date
    mode: str = Field(..., max_length=10, description="phone | visit | message | letter")
    summary: str = Field(..., max_length=2000)


class ContactOut(Schema):
    id: int
    warning: int = Field(..., alias="warning_id")
    date: datetime.date
    mode: str
    summary: str


def _detail(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "；".join(m for errs in exc.error_dict.values() for e in errs for m in e.messages)
    return "；".join(exc.messages)


@router.get("/studies/warnings", response=list[WarningOut], auth=PEOPLE_ONLY)
def list_warnings(
    request,
    level: Annotated[str, Field(max_length=10)] = "",
    contact: Annotated[str, Field(max_length=10)] = "",
):
    if level and level not in AcademicWarning.Level.values:
        raise HttpError(400, _("Unknown level: use yellow, orange or red."))
    if contact and contact not in AcademicWarning.Contact.values:
        raise HttpError(400, _("Unknown contact state: use waiting, overdue or done."))
    return list(selectors.warnings_list(request.auth, level=level, contact=contact)[:1000])


@router.post("/studies/attendance", response={200: ImportOut, 400: RowErrorsOut}, auth=PEOPLE_ONLY)
def post_attendance(request, payload: AttendanceIn):
    try:
        result = services.attendance_batch(
            actor=request.auth, records=[r.dict() for r in payload.rows]
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("Not allowed.")) from None
    except ValidationError as exc:
        raise HttpError(400, _detail(exc)) from None
    if not result.ok:
        return Status(
            400,
            {
                "detail": _("Nothing was imported: %(n)d errors.") % {"n": len(result.errors)},
                "errors": [{"row": r, "column": c, "message": m} for r, c, m in result.errors],
            },
        )
    return Status(200, result)


@router.post("/studies/warnings/{warning_id}/contact", response={201: ContactOut}, auth=PEOPLE_ONLY)
def record_contact(
    request, warning_id: Annotated[int, Field(ge=1, le=bounds.MAX_ID)], payload: ContactIn
):
    try:
        warning = selectors.warning_get(request.auth, warning_id)
    except AcademicWarning.DoesNotExist:
        raise HttpError(404, _("No such warning.")) from None
    try:
        contact = services.parent_contact_record(
            actor=request.auth, warning=warning, **payload.dict()
        )
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    except ValidationError as exc:
        raise HttpError(400, _detail(exc)) from None
    return Status(201, contact)

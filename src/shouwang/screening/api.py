"""The screening API (/api/v1/…): upload a round's file (queued, 202), follow its state, read
its totals; the psych centre's open interviews. Acts as a person: integration tokens get 403
(screening results are care data, not for integrations)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError

from shouwang.reports.api import FieldErrorsOut, _field_errors

from . import permissions, selectors, services

router = Router(tags=["screening"])

# (method, path) → summary, merged into api_v1.SUMMARIES (Chinese through the catalogue).
SUMMARIES: dict = {
    ("post", "/screening/rounds"): gettext_lazy("Import a screening round (multipart upload)"),
    ("get", "/screening/rounds"): gettext_lazy("Screening rounds"),
    ("get", "/screening/rounds/{round_id}"): gettext_lazy(
        "A screening round's state, progress and totals"
    ),
    ("get", "/screening/interviews"): gettext_lazy("Open screening interviews"),
}


def _person(request):
    if getattr(request.auth, "token", None) is not None:
        raise HttpError(403, _("Screening results are for people; an integration token gets none."))
    return request.auth


class RoundOut(Schema):
    id: int
    term: str
    instrument: str = Field(..., description="upi | scl90")
    held_on: datetime.date
    state: str = Field(..., description="queued | running | imported | rejected | failed")
    progress: int = Field(..., description="percent")
    filename: str
    rows: int
    flagged: int
    counts: dict[str, int] = Field(..., description="students by the instrument's flag")
    error_count: int
    imported_by: int = Field(..., alias="imported_by_id")
    requested_at: datetime.datetime
    finished_at: datetime.datetime | None


class ScreeningRowErrorOut(Schema):
    row: int | None
    column: str
    message: str


class RoundDetailOut(RoundOut):
    errors: list[ScreeningRowErrorOut] = Field(
        default_factory=list, description="first 1,000 errors"
    )
    interviews_open: int = 0
    interviews_overdue: int = 0
    interviews_done: int = 0


class InterviewOut(Schema):
    id: int
    round: int = Field(..., alias="round_id")
    student: int = Field(..., alias="student_id")
    student_no: str = Field(..., alias="student.student_no")
    student_name: str = Field(..., alias="student.name")
    state: str
    due_at: datetime.datetime
    overdue: bool = Field(..., alias="is_overdue")


@router.post(
    "/screening/rounds",
    response={202: RoundOut, 422: FieldErrorsOut},
    summary="Import a screening round (multipart upload)",
)
def round_import(
    request,
    term: Form[str],
    instrument: Form[str],
    held_on: Form[str],
    file: File[UploadedFile],
):
    person = _person(request)
    try:
        rnd = services.round_request(
            actor=person,
            term=term[:100],
            instrument=instrument[:10],
            held_on=held_on[:20],
            data=file,
            filename=file.name or "",
        )
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None
    return Status(202, rnd)


@router.get("/screening/rounds", response=list[RoundOut], summary="Screening rounds")
def round_list(request):
    person = _person(request)
    if not permissions.can_see_rounds(person):
        raise HttpError(403, _("Screening rounds are for the psych centre and 学生处."))
    return list(selectors.rounds_visible(person)[:100])


@router.get(
    "/screening/rounds/{round_id}",
    response=RoundDetailOut,
    summary="A screening round's state, progress and totals",
)
def round_detail(request, round_id: int):
    person = _person(request)
    rnd = selectors.round_get(person, round_id)
    out = RoundOut.from_orm(rnd).model_dump(by_alias=True)
    out["errors"] = [
        {"row": r, "column": c, "message": m} for r, c, m in selectors.round_errors(rnd)
    ]
    if rnd.state == rnd.State.IMPORTED:
        summary = selectors.round_summary(person, rnd)
        out["interviews_open"] = summary["open"]
        out["interviews_overdue"] = summary["overdue"]
        out["interviews_done"] = summary["done"]
    return out


@router.get(
    "/screening/interviews", response=list[InterviewOut], summary="Open screening interviews"
)
def interview_list(request, round: int | None = None):
    person = _person(request)
    if not permissions.is_psych_centre(person):
        raise HttpError(403, _("Screening interviews are the psych centre's."))
    return selectors.interviews_open(person, round_id=round)

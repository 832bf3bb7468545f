"""The leave API (/api/v1/…): a student's own requests (/me/leave) and the approvers' queue
(/leave). People only (a signed-in session or a person's token): leave is personal."""

import datetime
from typing import Annotated

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.responses import NinjaJSONEncoder

from shouwang.api.permissions import PEOPLE_ONLY

from . import selectors, services

router = Router(tags=["leave"])

# (method, path) → summary, merged into api_v1.SUMMARIES (Chinese through the catalogue).
SUMMARIES: dict = {
    ("get", "/me/leave"): gettext_lazy("My leave requests (a student's own)"),
    ("post", "/me/leave"): gettext_lazy("Apply for leave or off-campus lodging"),
    ("get", "/leave"): gettext_lazy("Leave requests waiting for the caller's decision"),
    ("post", "/leave/{leave_id}/approve"): gettext_lazy("Approve the step waiting for the caller"),
    ("post", "/leave/{leave_id}/refuse"): gettext_lazy("Refuse a leave request (note required)"),
}


class LeaveOut(Schema):
    id: int
    kind: str
    state: str
    student_no: str = Field(..., alias="student.student_no")
    student_name: str = Field(..., alias="student.name")
    start_at: datetime.datetime
    end_at: datetime.datetime
    reason: str
    destination: str
    address: str
    chain: list[str]
    step: int
    step_role: str
    returned_at: datetime.datetime | None


class LeaveIn(Schema):
    kind: Annotated[str, Field(max_length=12)] = "leave"
    start_at: datetime.datetime
    end_at: datetime.datetime
    reason: Annotated[str, Field(max_length=500)]
    destination: Annotated[str, Field(max_length=200)] = ""
    emergency_name: Annotated[str, Field(max_length=50)] = ""
    emergency_phone: Annotated[str, Field(max_length=20)] = ""
    address: Annotated[str, Field(max_length=200)] = ""
    guardian_consent: bool = False
    guardian_consent_note: Annotated[str, Field(max_length=200)] = ""


class NoteIn(Schema):
    note: Annotated[str, Field(max_length=500)] = ""


class LeaveFieldErrorsOut(Schema):
    detail: dict[str, list[str]]


def _person(request):
    if getattr(request.auth, "token", None) is not None:
        raise HttpError(403, _("Leave is personal: integration tokens have none."))
    return request.auth


def _field_errors(exc: ValidationError, status=422):
    detail = (
        {f: [m for e in errs for m in e.messages] for f, errs in exc.error_dict.items()}
        if hasattr(exc, "error_dict")
        else {"__all__": exc.messages}
    )
    return JsonResponse({"detail": detail}, status=status, encoder=NinjaJSONEncoder)


@router.get("/me/leave", response=list[LeaveOut], auth=PEOPLE_ONLY)
def my_leave(request, limit: Annotated[int, Query(ge=1, le=200)] = 50):
    return list(selectors.own_leaves(_person(request))[:limit])


@router.post("/me/leave", response={201: LeaveOut, 422: LeaveFieldErrorsOut}, auth=PEOPLE_ONLY)
def apply(request, payload: LeaveIn):
    try:
        leave = services.leave_apply(actor=_person(request), **payload.dict())
    except PermissionDenied:
        raise HttpError(403, _("Only a student applies for their own leave.")) from None
    except ValidationError as exc:
        return _field_errors(exc)
    return Status(201, leave)


@router.get("/leave", response=list[LeaveOut], auth=PEOPLE_ONLY)
def queue(request, limit: Annotated[int, Query(ge=1, le=500)] = 100):
    return list(selectors.queue(_person(request))[:limit])


def _decide(request, leave_id, verdict, note):
    person = _person(request)
    try:
        leave = selectors.leave_for(person, leave_id)
    except Http404:
        raise HttpError(404, _("Not found.")) from None
    try:
        return Status(
            200, services.leave_decide(actor=person, leave=leave, verdict=verdict, note=note)
        )
    except PermissionDenied:
        raise HttpError(403, _("This step is not yours to decide.")) from None
    except ValidationError as exc:
        return _field_errors(exc, status=409 if "verdict" in exc.message_dict else 422)


@router.post(
    "/leave/{leave_id}/approve",
    response={200: LeaveOut, 409: LeaveFieldErrorsOut, 422: LeaveFieldErrorsOut},
    auth=PEOPLE_ONLY,
)
def approve(request, leave_id: int, payload: NoteIn):
    return _decide(request, leave_id, "approved", payload.note)


@router.post(
    "/leave/{leave_id}/refuse",
    response={200: LeaveOut, 409: LeaveFieldErrorsOut, 422: LeaveFieldErrorsOut},
    auth=PEOPLE_ONLY,
)
def refuse(request, leave_id: int, payload: NoteIn):
    return _decide(request, leave_id, "refused", payload.note)

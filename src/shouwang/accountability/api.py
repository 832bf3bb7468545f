"""Findings endpoints (R-AFTER-4): read them as scoped on the pages, explain (the person named),
decide (the roles given the power; 403 with the reason otherwise), run the detector. Findings
are about people: a person's session or token acts; an integration token gets 403."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from shouwang.reports.api import FieldErrorsOut, _field_errors

from . import selectors, services
from .models import Finding

router = Router(tags=["accountability"])


def _person(request):
    if getattr(request.auth, "token", None) is not None:
        raise HttpError(
            403, _("Findings are about people; an integration token cannot read or decide them.")
        )
    return request.auth


def _call(fn, **kwargs):
    try:
        return Status(200, fn(**kwargs))
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("Permission denied.")) from None


class FindingOut(Schema):
    id: int
    kind: str = Field(
        ..., description="late_report | missed_report | concealed | false_report | late_arrival"
    )
    detail: str
    summary: str
    person: int | None = Field(None, alias="person_id")
    unit: str = Field(..., alias="unit.code")
    report: int | None = Field(None, alias="report_id")
    incident: int | None = Field(None, alias="incident_id")
    evidence: list[int] = Field(..., description="timeline event ids")
    state: str = Field(..., description="open | explained | exempted | confirmed")
    occurred_at: datetime.datetime
    detected_at: datetime.datetime
    explanation: str
    explained_at: datetime.datetime | None
    decided_by: int | None = Field(None, alias="decided_by_id")
    decided_at: datetime.datetime | None
    decision_reason: str
    deliberate: bool | None


class ExplainIn(Schema):
    text: str = Field(..., max_length=4000)


class DecideIn(Schema):
    outcome: str = Field(..., description="exempted (尽职免责) | confirmed (失职追责)")
    reason: str = Field(..., max_length=4000)
    deliberate: bool | None = Field(None, description="虚报/谎报: deliberate, or an honest mistake")


class DetectOut(Schema):
    created: int
    by_kind: dict[str, int]


@router.get(
    "/findings", response=list[FindingOut], summary="Accountability findings the caller may see"
)
def list_findings(request, kind: str = "", state: str = ""):
    kind = kind if kind in Finding.Kind.values else ""
    state = state if state in Finding.State.values else ""
    return list(selectors.finding_list(_person(request), kind=kind, state=state)[:500])


@router.get("/findings/{finding_id}", response=FindingOut)
def get_finding(request, finding_id: int):
    return selectors.finding_get(_person(request), finding_id)


@router.post(
    "/findings/{finding_id}/explain",
    response={200: FindingOut, 422: FieldErrorsOut},
    summary="说明 — the person named explains",
)
def explain(request, finding_id: int, payload: ExplainIn):
    person = _person(request)
    return _call(
        services.finding_explain,
        actor=person,
        finding=selectors.finding_get(person, finding_id),
        text=payload.text,
    )


@router.post(
    "/findings/{finding_id}/decide",
    response={200: FindingOut, 422: FieldErrorsOut},
    summary="尽职免责 or 失职追责, by a role given the power",
)
def decide(request, finding_id: int, payload: DecideIn):
    person = _person(request)
    return _call(
        services.finding_decide,
        actor=person,
        finding=selectors.finding_get(person, finding_id),
        outcome=payload.outcome,
        reason=payload.reason,
        deliberate=payload.deliberate,
    )


@router.post("/detector/run", response=DetectOut, summary="Run the detector now (学生处)")
def detect(request):
    try:
        return services.detector_run(actor=_person(request))
    except PermissionDenied as exc:
        raise HttpError(403, str(exc)) from None

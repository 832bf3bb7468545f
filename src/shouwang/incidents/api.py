"""Incident endpoints (R-PLAN-3…6). Incident command acts as a person: reads and writes need a
person's session or token-less call; an integration token gets 403 (no one to hold to account)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from shouwang.api.permissions import PEOPLE_ONLY
from shouwang.api.types import Count, Instant, Text
from shouwang.org.selectors import unit_get
from shouwang.plans.selectors import plan_get
from shouwang.reports.api import FieldErrorsOut, _field_errors
from shouwang.reports.selectors import report_get

from . import selectors, services
from .models import Release

router = Router(tags=["incidents"])


def _person(request):
    if getattr(request.auth, "token", None) is not None:
        raise HttpError(403, _("Incident command acts as a person; an integration token cannot."))
    return request.auth


def _call(fn, *, status=200, **kwargs):
    """Run a service: its result with `status`, 422 with Chinese field errors, 403 with the
    reason."""
    try:
        return Status(status, fn(**kwargs))
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("Permission denied.")) from None


class IncidentIn(Schema):
    plan: str = Field(..., description="plan code", max_length=60)
    level: str = Field(..., max_length=5)
    unit: str = Field(..., description="unit code", max_length=40)
    title: str = Field("", max_length=200)
    event_type: str = Field("", max_length=60)
    report: int | None = Field(
        None, description="the verified report this answers", ge=1, le=2**63 - 1
    )


class IncidentOut(Schema):
    id: int
    title: str
    plan: str = Field(..., alias="plan_version.plan.code")
    plan_version: int = Field(..., alias="plan_version.number")
    level: str
    event_type: str
    unit: str = Field(..., alias="unit.code")
    report: int | None = Field(None, alias="report_id")
    status: str
    activated_at: datetime.datetime
    closed_at: datetime.datetime | None


class TaskOut(Schema):
    id: int
    step: str = Field(..., alias="step_id")
    kind: str
    phase: str
    title: str
    assignee: int = Field(..., alias="assignee_id")
    stands_in_for: str
    due_at: datetime.datetime
    state: str
    done_at: datetime.datetime | None
    mandatory: bool


class TaskDoneIn(Schema):
    note: Text = ""


class DecisionIn(Schema):
    decision_id: str = Field(..., max_length=60)
    option: str = Field(..., max_length=300)
    reason: Text
    authority: str = Field("", max_length=200)


class DecisionOut(Schema):
    id: int
    decision_id: str
    title: str
    option: str
    is_free_text: bool
    reason: str
    authority: str
    decided_by: int = Field(..., alias="decided_by_id")
    decided_at: datetime.datetime


class SituationIn(Schema):
    text: Text
    people_involved: Count | None = None
    injured: Count | None = None
    dead: Count | None = None
    trend: str = Field("", max_length=200)
    place: str = Field("", max_length=200)


class SituationOut(SituationIn):
    id: int
    at: datetime.datetime


class ArrivalOut(Schema):
    person: int = Field(..., alias="person_id")
    at: datetime.datetime


class LevelIn(Schema):
    level: str = Field(..., max_length=5)
    reason: Text


class OutboundIn(Schema):
    recipient: str = Field("", max_length=200)
    content: Text
    sent_at: Instant | None = None
    task: int | None = Field(None, ge=1, le=2**63 - 1)


class OutboundOut(Schema):
    id: int
    recipient: str
    content: str
    sent_at: datetime.datetime


class ReleaseIn(Schema):
    title: str = Field(..., max_length=200)
    body: Text


class PublishIn(Schema):
    channel: str = Field(..., max_length=100)


class ReleaseOut(Schema):
    id: int
    title: str
    body: str
    status: str
    published_at: datetime.datetime | None
    channel: str


class CloseIn(Schema):
    summary: Text


@router.get(
    "/incidents",
    response=list[IncidentOut],
    summary="Incidents the caller may see",
    auth=PEOPLE_ONLY,
)
def list_incidents(request, status: str = ""):
    return list(selectors.incident_list(_person(request), status=status)[:200])


@router.post(
    "/incidents",
    response={201: IncidentOut, 422: FieldErrorsOut},
    summary="Activate a plan (启动预案)",
    auth=PEOPLE_ONLY,
)
def activate(request, payload: IncidentIn):
    person = _person(request)
    plan = plan_get(person, payload.plan)
    unit = unit_get(person, payload.unit)
    report = report_get(person, payload.report) if payload.report else None
    return _call(
        services.incident_activate,
        actor=person,
        plan=plan,
        level=payload.level,
        unit=unit,
        title=payload.title,
        event_type=payload.event_type,
        report=report,
        status=201,
    )


@router.get("/incidents/{incident_id}", response=IncidentOut, auth=PEOPLE_ONLY)
def get_incident(request, incident_id: int):
    return selectors.incident_get(_person(request), incident_id)


@router.get("/incidents/{incident_id}/tasks", response=list[TaskOut], auth=PEOPLE_ONLY)
def list_tasks(request, incident_id: int):
    return list(selectors.incident_get(_person(request), incident_id).tasks.all())


@router.post(
    "/incidents/{incident_id}/tasks/{task_id}/done",
    response={200: TaskOut, 422: FieldErrorsOut},
    auth=PEOPLE_ONLY,
)
def complete_task(request, incident_id: int, task_id: int, payload: TaskDoneIn):
    person = _person(request)
    incident = selectors.incident_get(person, incident_id)
    return _call(
        services.task_complete,
        actor=person,
        task=selectors.task_get(person, incident, task_id),
        note=payload.note,
    )


@router.post(
    "/incidents/{incident_id}/level",
    response={200: list[TaskOut], 422: FieldErrorsOut},
    summary="Raise or lower the level; returns the tasks added",
    auth=PEOPLE_ONLY,
)
def change_level(request, incident_id: int, payload: LevelIn):
    person = _person(request)
    return _call(
        services.incident_level_change,
        actor=person,
        incident=selectors.incident_get(person, incident_id),
        level=payload.level,
        reason=payload.reason,
    )


@router.get("/incidents/{incident_id}/decisions", response=list[DecisionOut], auth=PEOPLE_ONLY)
def list_decisions(request, incident_id: int):
    return list(selectors.incident_get(_person(request), incident_id).decisions.all())


@router.post(
    "/incidents/{incident_id}/decisions",
    response={201: DecisionOut, 422: FieldErrorsOut},
    auth=PEOPLE_ONLY,
)
def decide(request, incident_id: int, payload: DecisionIn):
    person = _person(request)
    return _call(
        services.decision_record,
        actor=person,
        incident=selectors.incident_get(person, incident_id),
        **payload.dict(),
        status=201,
    )


@router.post(
    "/incidents/{incident_id}/updates",
    response={201: SituationOut, 422: FieldErrorsOut},
    summary="Situation update",
    auth=PEOPLE_ONLY,
)
def situation(request, incident_id: int, payload: SituationIn):
    person = _person(request)
    return _call(
        services.situation_add,
        actor=person,
        incident=selectors.incident_get(person, incident_id),
        **payload.dict(),
        status=201,
    )


@router.post(
    "/incidents/{incident_id}/arrivals",
    response={201: ArrivalOut, 422: FieldErrorsOut},
    summary="已到场 — the caller has arrived",
    auth=PEOPLE_ONLY,
)
def arrive(request, incident_id: int):
    person = _person(request)
    return _call(
        services.arrival_record,
        actor=person,
        incident=selectors.incident_get(person, incident_id),
        status=201,
    )


@router.post(
    "/incidents/{incident_id}/external-reports",
    response={201: OutboundOut, 422: FieldErrorsOut},
    summary="A report sent upward outside the school",
    auth=PEOPLE_ONLY,
)
def report_upward(request, incident_id: int, payload: OutboundIn):
    person = _person(request)
    incident = selectors.incident_get(person, incident_id)
    task = selectors.task_get(person, incident, payload.task) if payload.task else None
    return _call(
        services.outbound_report_record,
        actor=person,
        incident=incident,
        recipient=payload.recipient,
        content=payload.content,
        sent_at=payload.sent_at,
        task=task,
        status=201,
    )


@router.get("/incidents/{incident_id}/releases", response=list[ReleaseOut], auth=PEOPLE_ONLY)
def list_releases(request, incident_id: int):
    return list(selectors.incident_get(_person(request), incident_id).releases.all())


@router.post(
    "/incidents/{incident_id}/releases",
    response={201: ReleaseOut, 422: FieldErrorsOut},
    summary="Draft an external statement",
    auth=PEOPLE_ONLY,
)
def draft_release(request, incident_id: int, payload: ReleaseIn):
    person = _person(request)
    return _call(
        services.release_draft,
        actor=person,
        incident=selectors.incident_get(person, incident_id),
        **payload.dict(),
        status=201,
    )


@router.post(
    "/incidents/{incident_id}/releases/{release_id}/publish",
    response={200: ReleaseOut, 422: FieldErrorsOut},
    summary="Publish (publicity office only; anyone else gets 403)",
    auth=PEOPLE_ONLY,
)
def publish_release(request, incident_id: int, release_id: int, payload: PublishIn):
    person = _person(request)
    incident = selectors.incident_get(person, incident_id)
    return _call(
        services.release_publish,
        actor=person,
        release=get_object_or_404(Release, pk=release_id, incident=incident),
        channel=payload.channel,
    )


@router.post(
    "/incidents/{incident_id}/close",
    response={200: IncidentOut, 422: FieldErrorsOut},
    auth=PEOPLE_ONLY,
)
def close(request, incident_id: int, payload: CloseIn):
    person = _person(request)
    return _call(
        services.incident_close,
        actor=person,
        incident=selectors.incident_get(person, incident_id),
        summary=payload.summary,
    )

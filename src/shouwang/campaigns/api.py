"""The campaigns API (/api/v1/…): hazard campaigns (list, one, issue), a unit's checklist and its
answer, scoped like the pages (the board for the issuing office and the school's leaders, a
unit's checklist for its responsible post; anyone else 404). Campaign work acts as a person:
an integration token gets 403. Bad input answers 422 with Chinese field errors and changes
nothing."""

import datetime
from typing import Annotated

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from shouwang.api.types import Instant
from shouwang.bounds import MAX_LIST
from shouwang.reports.api import FieldErrorsOut, _field_errors

from . import permissions, selectors, services
from .checklists import DEFAULT, checklist_items

router = Router(tags=["campaigns"])

# (method, path) → summary, merged into api_v1.SUMMARIES (Chinese through the catalogue).
SUMMARIES: dict = {
    ("get", "/campaigns"): gettext_lazy("Hazard campaigns you oversee or answer for"),
    ("post", "/campaigns"): gettext_lazy("Issue a hazard campaign"),
    ("get", "/campaigns/{campaign_id}"): gettext_lazy("A hazard campaign and its units"),
    ("get", "/campaigns/{campaign_id}/units/{unit_code}"): gettext_lazy(
        "A unit's checklist and answer"
    ),
    ("post", "/campaigns/{campaign_id}/units/{unit_code}/answer"): gettext_lazy(
        "Answer a unit's checklist"
    ),
}


def _person(request):
    if getattr(request.auth, "token", None) is not None:
        raise HttpError(403, _("Campaign work acts as a person; an integration token cannot."))
    return request.auth


class CampaignItemOut(Schema):
    id: int
    position: int
    title: str


class AnswerOut(Schema):
    item: int = Field(..., alias="item_id")
    has_problem: bool
    description: str
    measure: str
    corrective_action: int | None = Field(None, alias="action_id")


class CampaignUnitOut(Schema):
    unit: str = Field(..., alias="unit.code")
    name: str = Field(..., alias="unit.name")
    role: str = Field(..., description="the post that answers (frozen when issued)")
    status: str = Field(..., description="pending | late | answered | late_answered | unanswered")
    answered_at: datetime.datetime | None
    reminded_at: datetime.datetime | None
    overdue_at: datetime.datetime | None


class UnitAnswerOut(CampaignUnitOut):
    campaign: int = Field(..., alias="campaign_id")
    answers: list[AnswerOut] = Field(..., alias="answers_list")


class CampaignOut(Schema):
    id: int
    title: str
    issuer_unit: str = Field(..., alias="issuer_unit.code")
    created_at: datetime.datetime
    due_at: datetime.datetime
    state: str
    fix_days: int


class CountsOut(Schema):
    units: int
    answered: int
    late_answered: int
    late: int
    pending: int
    unanswered: int = Field(..., description="not answered when closed before the due date")
    problems: int


class CampaignDetailOut(CampaignOut):
    instructions: str
    items: list[CampaignItemOut] = Field(..., alias="items_list")
    units: list[CampaignUnitOut] = Field(
        ..., alias="units_out", description="all units for the issuing office, else yours"
    )
    counts: CountsOut | None = Field(
        None, alias="counts_out", description="for the issuing office only"
    )


class CampaignIn(Schema):
    title: str = Field(..., max_length=200)
    issuer_unit: str = Field(..., max_length=40, description="the office issuing (its code)")
    units: list[Annotated[str, Field(max_length=40)]] = Field(
        ..., max_length=MAX_LIST, description="college or office codes"
    )
    items: list[Annotated[str, Field(max_length=100)]] | None = Field(
        None, max_length=50, description="checklist items; omitted: the shipped seed 003 list"
    )
    due_at: Instant
    fix_days: int = Field(14, ge=1, le=180)
    instructions: str = Field("", max_length=2000)


class AnswerIn(Schema):
    item: int = Field(..., ge=1, le=2**63 - 1)
    has_problem: bool
    description: str = Field("", max_length=2000)
    measure: str = Field("", max_length=2000)


class UnitAnswerIn(Schema):
    answers: list[AnswerIn] = Field(..., max_length=50)


def _found(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Http404:
        raise HttpError(404, _("Not found.")) from None


@router.get("/campaigns", response=list[CampaignOut])
def campaign_list(request):
    person = _person(request)
    return list(selectors.campaigns_visible(person).select_related("issuer_unit")[:200])


@router.post("/campaigns", response={201: CampaignDetailOut, 422: FieldErrorsOut})
def campaign_create(request, payload: CampaignIn):
    person = _person(request)
    items = payload.items
    if items is None:
        items = [i["title"] for i in checklist_items(DEFAULT)]
    try:
        campaign = services.campaign_create(
            actor=person,
            title=payload.title,
            issuer_unit=payload.issuer_unit,
            units=payload.units,
            items=items,
            due_at=payload.due_at,
            fix_days=payload.fix_days,
            instructions=payload.instructions,
            template=DEFAULT if payload.items is None else "",
        )
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("Permission denied.")) from None
    return Status(201, _detail(person, campaign))


def _detail(person, campaign):
    if permissions.can_oversee(person, campaign):
        board = selectors.board(campaign)
        units, counts = board["assignments"], board["counts"]
    else:
        units = [
            selectors.assignment_get(person, campaign.pk, a.unit.code)
            for a in selectors.assignments_answering(person).filter(campaign=campaign)
        ]
        for a in units:
            a.status = selectors.assignment_page(person, a)["status"]
        counts = None
    campaign.items_list = list(campaign.items.all())
    campaign.units_out, campaign.counts_out = units, counts
    return campaign


@router.get("/campaigns/{campaign_id}", response=CampaignDetailOut)
def campaign_one(request, campaign_id: int):
    person = _person(request)
    campaign = (
        selectors.campaigns_visible(person)
        .select_related("issuer_unit")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None:
        raise HttpError(404, _("Not found."))
    return _detail(person, campaign)


def _answer_view(person, assignment):
    page = selectors.assignment_page(person, assignment)
    assignment.status = page["status"]
    assignment.answers_list = [a for _item, a in page["rows"] if a is not None]
    return assignment


@router.get("/campaigns/{campaign_id}/units/{unit_code}", response=UnitAnswerOut)
def unit_answer(request, campaign_id: int, unit_code: str):
    person = _person(request)
    assignment = _found(selectors.assignment_get, person, campaign_id, unit_code)
    return _answer_view(person, assignment)


@router.post(
    "/campaigns/{campaign_id}/units/{unit_code}/answer",
    response={200: UnitAnswerOut, 422: FieldErrorsOut},
)
def unit_answer_submit(request, campaign_id: int, unit_code: str, payload: UnitAnswerIn):
    person = _person(request)
    # Only the unit's responsible post answers: anyone else is told nothing exists.
    assignment = _found(selectors.assignment_get, person, campaign_id, unit_code, answering=True)
    answers: dict = {}
    for a in payload.answers:
        if str(a.item) in answers:
            return Status(422, {"detail": {"answers": [_("An item is answered twice.")]}})
        answers[str(a.item)] = {
            "has_problem": a.has_problem,
            "description": a.description,
            "measure": a.measure,
        }
    try:
        services.campaign_answer(actor=person, assignment=assignment, answers=answers)
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    except PermissionDenied:
        raise HttpError(404, _("Not found.")) from None
    assignment.refresh_from_db()
    return _answer_view(person, assignment)

"""The monitoring API (/api/v1/…): trace batches from gate and campus-card systems, check-ins,
tonight's summary and the rules (read). A batch is all or nothing: one bad event refuses the
whole batch with 422, naming each bad event by its index in `events` (schema errors: ninja's
`loc` carries the index; unknown 学号/card numbers and times out of range: "#index: reason",
the first 20)."""

import datetime
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import BaseModel

from shouwang.api.permissions import perm_auth, require_token_perm
from shouwang.api.types import Instant

from . import selectors, services
from .models import Rule

router = Router(tags=["monitoring"])

Key = Annotated[str, Field(max_length=40)]


# Events are plain pydantic models, not ninja Schemas: a Schema wraps every field access for
# Django objects, and a batch validates thousands of events (a third of the request's time).
class TraceIn(BaseModel):
    student_no: Annotated[str, Field(max_length=20)] | None = None
    card_no: Key | None = None
    at: Instant
    # Empty: the batch's source_type.
    source_type: Literal["gate", "card", "library", "network", "other"] | None = None
    place: Annotated[str, Field(max_length=100)] = ""
    direction: Literal["in", "out", ""] = ""


class TraceBatchIn(Schema):
    source: Annotated[str, Field(max_length=100)] = ""
    source_type: Literal["gate", "card", "library", "network", "other"] = "gate"
    events: list[TraceIn] = Field(..., max_length=services.MAX_BATCH)


class BatchOut(Schema):
    batch: int
    count: int


class CheckInIn(BaseModel):
    student_no: Annotated[str, Field(max_length=20)] | None = None
    card_no: Key | None = None
    at: Instant
    status: Literal["present", "absent"]
    place: Annotated[str, Field(max_length=100)] = ""


class CheckInBatchIn(Schema):
    checkins: list[CheckInIn] = Field(..., max_length=services.MAX_BATCH)


class CountOut(Schema):
    count: int


class CardIn(BaseModel):
    card_no: Annotated[str, Field(min_length=1, max_length=40)]
    student_no: Annotated[str, Field(min_length=1, max_length=20)]


class CardBatchIn(Schema):
    cards: list[CardIn] = Field(..., min_length=1, max_length=services.MAX_BATCH)


class LineOut(Schema):
    unit: str
    name: str
    present: int
    absent: int
    on_leave: int
    unknown: int


class TonightOut(Schema):
    night: datetime.date
    residents: int
    present: int
    absent: int
    on_leave: int
    unknown: int
    buildings: list[LineOut]
    classes: list[LineOut]


class RuleOut(Schema):
    id: int
    kind: str
    name: str
    category: str
    severity: str
    cutoff: datetime.time | None
    hours: int | None
    hold_share: int
    building: str | None = Field(None, alias="building.code")
    is_active: bool


class ErrorsOut(Schema):
    detail: dict[str, list[str]]


def _errors(exc: ValidationError):
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return JsonResponse({"detail": detail}, status=422)


@router.post(
    "/traces",
    response={201: BatchOut, 422: ErrorsOut},
    auth=perm_auth("monitoring.write"),
)
def post_traces(request, payload: TraceBatchIn):
    require_token_perm(request, "monitoring.write")
    default = getattr(request.auth, "get_username", lambda: "api")()
    events = payload.model_dump()["events"]
    try:
        batch = services.traces_ingest(
            actor=request.auth,
            events=events,
            source=payload.source or default,
            source_type=payload.source_type,
        )
    except ValidationError as exc:
        return _errors(exc)
    except PermissionDenied:
        raise HttpError(403, str(_("Permission denied."))) from None
    return Status(201, {"batch": batch.pk, "count": batch.count})


@router.post(
    "/monitoring/cards",
    response={201: CountOut, 422: ErrorsOut},
    auth=perm_auth("monitoring.write"),
)
def post_cards(request, payload: CardBatchIn):
    """Which card is whose: the campus-card system's list, so gate exports and traces that
    carry only a card number find the student. All or nothing; a card given to another
    student follows them."""
    require_token_perm(request, "monitoring.write")
    pairs = [(c.card_no.strip(), c.student_no.strip()) for c in payload.cards]
    if len({card for card, _no in pairs}) != len(pairs):
        return _errors(ValidationError(str(_("A card number appears twice in the batch."))))
    try:
        count = services.card_numbers_set(actor=request.auth, pairs=pairs)
    except ValidationError as exc:
        return _errors(exc)
    except PermissionDenied:
        raise HttpError(403, str(_("Permission denied."))) from None
    return Status(201, {"count": count})


@router.post(
    "/checkins",
    response={201: CountOut, 422: ErrorsOut},
    auth=perm_auth("monitoring.write"),
)
def post_checkins(request, payload: CheckInBatchIn):
    require_token_perm(request, "monitoring.write")
    try:
        count = services.checkins_record(
            actor=request.auth, checkins=payload.model_dump()["checkins"]
        )
    except ValidationError as exc:
        return _errors(exc)
    return Status(201, {"count": count})


def _line(line):
    return {
        "unit": line.unit.code,
        "name": line.unit.name,
        "present": line.get("present"),
        "absent": line.get("absent"),
        "on_leave": line.get("on_leave"),
        "unknown": line.get("unknown"),
    }


@router.get("/checkins/tonight", response=TonightOut, auth=perm_auth("monitoring.read"))
def get_tonight(request):
    require_token_perm(request, "monitoring.read")
    t = selectors.tonight(request.auth)
    totals = t["totals"]
    return {
        "night": t["night"],
        "residents": t["residents"],
        "present": totals.get("present", 0),
        "absent": totals.get("absent", 0),
        "on_leave": totals.get("on_leave", 0),
        "unknown": totals.get("unknown", 0),
        "buildings": [_line(line) for line in t["buildings"]],
        "classes": [_line(line) for line in t["classes"]],
    }


@router.get("/monitoring/rules", response=list[RuleOut], auth=perm_auth("monitoring.read"))
def get_rules(request):
    require_token_perm(request, "monitoring.read")
    return Rule.objects.select_related("building").order_by("kind", "pk")


# (method, path) → summary, merged into api_v1.SUMMARIES (Chinese through the catalogue).
SUMMARIES: dict = {
    ("post", "/traces"): _(
        "Send a batch of trace events (gate, campus card, library, network); all or none"
    ),
    ("post", "/checkins"): _("Send a batch of check-ins (present or absent); all or none"),
    ("get", "/checkins/tonight"): _("Tonight's check-ins per building and class"),
    ("get", "/monitoring/rules"): _("The monitoring rules"),
    ("post", "/monitoring/cards"): _(
        "Send which card number is whose (campus-card list); all or none"
    ),
}

"""The talks API (/api/v1/…): record a talk / parent contact / home visit, list the caller's
obligations, the statistics. Talks are about people: a person's session or token acts; an
integration token gets 403."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from shouwang.reports.api import FieldErrorsOut, _field_errors

from . import selectors, services
from .models import Kind, Obligation

router = Router(tags=["talks"])

# (method, path) → summary, merged into api_v1.SUMMARIES (Chinese through the catalogue).
SUMMARIES: dict = {
    ("post", "/talks"): gettext_lazy("Record a talk, parent contact or home visit"),
    ("get", "/talks/obligations"): gettext_lazy("Talk and parent-contact obligations"),
    ("get", "/talks/statistics"): gettext_lazy("Talk obligations per counsellor and college"),
}


def _person(request):
    if getattr(request.auth, "token", None) is not None:
        raise HttpError(403, _("Talks are recorded by people; an integration token cannot."))
    return request.auth


class TalkIn(Schema):
    student_no: str = Field(..., max_length=20)
    kind: str = Field("talk", description="talk | parent_contact | home_visit")
    held_on: datetime.date
    mode: str = Field(..., description="face | phone | wechat")
    summary: str = Field(..., max_length=500)
    detail: str = Field("", max_length=4000, description="care-related detail, stored encrypted")


class TalkOut(Schema):
    id: int
    student_no: str = Field(..., alias="student.student_no")
    kind: str
    held_on: datetime.date
    mode: str
    summary: str


class ObligationOut(Schema):
    id: int
    student_no: str = Field(..., alias="student.student_no")
    student_name: str = Field(..., alias="student.name")
    kind: str
    period_start: datetime.date
    period_end: datetime.date
    due_at: datetime.datetime
    state: str = Field(..., description="open | overdue | met | cancelled")
    holder: int | None = Field(None, alias="holder_id")


class StatRow(Schema):
    name: str
    total: int
    met: int
    open: int
    overdue: int
    escalated: int


class StatisticsOut(Schema):
    kind: str
    period_start: datetime.date | None
    by_holder: list[StatRow]
    by_college: list[StatRow]


@router.post("/talks", response={200: TalkOut, 422: FieldErrorsOut})
def record_talk(request, payload: TalkIn):
    person = _person(request)
    student = selectors.student_for_talks(person, payload.student_no)
    try:
        return Status(
            200,
            services.talk_record(
                actor=person,
                student=student,
                kind=payload.kind,
                held_on=payload.held_on,
                mode=payload.mode,
                summary=payload.summary,
                detail=payload.detail,
            ),
        )
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("Permission denied.")) from None


@router.get("/talks/obligations", response=list[ObligationOut])
def list_obligations(request, state: str = "pending", kind: str = ""):
    rows = selectors.obligations_visible(_person(request)).select_related("student")
    if state == "pending":
        rows = rows.filter(state__in=[Obligation.State.OPEN, Obligation.State.OVERDUE])
    elif state in Obligation.State.values:
        rows = rows.filter(state=state)
    if kind in Kind.values:
        rows = rows.filter(kind=kind)
    return list(rows.order_by("due_at", "pk")[:1000])


@router.get("/talks/statistics", response=StatisticsOut)
def get_statistics(request, kind: str = "talk"):
    kind = kind if kind in Kind.values else Kind.TALK
    return selectors.statistics(_person(request), kind=kind)

"""The talks API (/api/v1/…): record a talk / parent contact / home visit, list the caller's
obligations, the statistics. Talks are about people: a person's session or token acts; an
integration token gets 403."""

import datetime
import hmac
import json

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status
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
    ("post", "/talks/sms-inbound"): gettext_lazy(
        "The SMS provider's inbound callback: guardians' replies"
    ),
}
INBOUND_MAX_BYTES = 64 * 1024
INBOUND_MAX_REPLIES = 100


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


class InboundOut(Schema):
    # Both providers' "received" answer in one body: Aliyun reads code/msg, Tencent result/errmsg.
    code: int = 0
    msg: str = "OK"
    result: int = 0
    errmsg: str = "OK"
    verified: int = Field(0, description="how many replies verified a guardian number")


INBOUND_BODY = {
    "requestBody": {
        "description": "One reply (Tencent: mobile, text) or a list of them (Aliyun: "
        "phone_number, content).",
        "content": {"application/json": {"schema": {"type": ["object", "array"]}}},
    }
}


def _replies(body: bytes) -> list[tuple[str, str]]:
    try:
        payload = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise HttpError(400, _("The body is not JSON.")) from None
    items = payload if isinstance(payload, list) else [payload]
    if len(items) > INBOUND_MAX_REPLIES:
        raise HttpError(400, _("Too many replies in one callback."))
    replies = []
    for item in items:
        if not isinstance(item, dict):
            continue
        phone = item.get("mobile") or item.get("phone_number") or ""
        text = item.get("text") or item.get("content") or ""
        if isinstance(phone, str) and isinstance(text, str):
            replies.append((phone, text))
    return replies


@router.post(
    "/talks/sms-inbound",
    auth=None,
    response=InboundOut,
    openapi_extra=INBOUND_BODY,
)
def sms_inbound(request, key: str = Query("", max_length=200)):
    """No session and no token: the provider proves itself with the shared secret in the URL
    (its console takes only a URL). Unconfigured, the callback does not exist (404)."""
    secret = settings.SMS_INBOUND_SECRET
    if not secret:
        raise HttpError(404, _("Not found."))
    if not hmac.compare_digest(key.encode(), secret.encode()):
        raise HttpError(403, _("Wrong key."))
    if len(request.body) > INBOUND_MAX_BYTES:
        raise HttpError(400, _("The body is too large."))
    verified = sum(
        services.guardian_reply_receive(phone=phone, text=text) == "verified"
        for phone, text in _replies(request.body)
    )
    return InboundOut(verified=verified)

"""The handovers API (/api/v1/…): the caller's handovers, and the new holder's
acknowledgement (anyone else: 403 for the old holder, 404 for the rest; nothing changes)."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from . import selectors, services

router = Router(tags=["handovers"])

# (method, path) → summary, merged into api_v1.SUMMARIES (Chinese through the catalogue).
SUMMARIES: dict = {
    ("get", "/handovers"): gettext_lazy("Handovers the caller gave, received or oversees"),
    ("post", "/handovers/{handover_id}/acknowledge"): gettext_lazy(
        "The new holder acknowledges a handover"
    ),
}


def _person(request):
    if getattr(request.auth, "token", None) is not None:
        raise HttpError(403, _("Handovers are between people; an integration token cannot."))
    return request.auth


class HandoverOut(Schema):
    id: int
    unit: str = Field(..., alias="unit.code")
    role: str = Field(..., alias="role.code")
    from_person: int = Field(..., alias="from_person_id")
    to_person: int = Field(..., alias="to_person_id")
    old_until: datetime.date
    note: str
    state: str = Field(..., description="pending | acknowledged")
    students: int
    obligations_moved: int
    created_at: datetime.datetime
    acknowledged_at: datetime.datetime | None


@router.get("/handovers", response=list[HandoverOut])
def list_handovers(request, state: str = ""):
    rows = selectors.handovers_visible(_person(request))
    if state in ("pending", "acknowledged"):
        rows = rows.filter(state=state)
    return list(rows[:500])


@router.post("/handovers/{handover_id}/acknowledge", response=HandoverOut)
def acknowledge(request, handover_id: int):
    person = _person(request)
    handover = selectors.handover_get(person, handover_id)
    try:
        return services.handover_acknowledge(actor=person, handover=handover)
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("Permission denied.")) from None
    except ValidationError as exc:
        raise HttpError(409, " ".join(exc.messages)) from None

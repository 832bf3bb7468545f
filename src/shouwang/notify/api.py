"""The caller's inbox over the API (a person's; integration tokens have none)."""

import datetime
from typing import Annotated

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from shouwang.api.permissions import PEOPLE_ONLY

from . import selectors as inbox_selectors

router = Router(tags=["reports"])


class InboxItemOut(Schema):
    id: int
    title: str = Field(..., alias="message.title")
    body: str = Field(..., alias="message.body")
    url: str = Field(..., alias="message.url")
    kind: str = Field(..., alias="message.kind")
    created_at: datetime.datetime
    read_at: datetime.datetime | None


@router.get(
    "/inbox", response=list[InboxItemOut], summary="The caller's in-app messages", auth=PEOPLE_ONLY
)
def inbox(
    request,
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
):
    if getattr(request.auth, "token", None) is not None:
        raise HttpError(403, _("The inbox is personal: integration tokens have none."))
    qs = inbox_selectors.inbox(request.auth)
    if unread:
        qs = qs.filter(read_at__isnull=True)
    offset = max(0, offset)
    return list(qs[offset : offset + max(1, min(limit, 200))])

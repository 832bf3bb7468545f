"""The care API (/api/v1/care/…): files scoped by need-to-know and read-logged (404 without
it, the attempt logged), and the tier change. An integration token reads no care data unless
granted `care.read` (then the files of its unit's subtree, each read logged with the token);
it never changes a tier."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from shouwang.reports.api import FieldErrorsOut, _field_errors

from . import selectors, services, tiers

router = Router(tags=["care"])

SUMMARIES: dict = {
    ("get", "/care/files"): gettext_lazy("Care files the caller may read"),
    ("get", "/care/files/{file_id}"): gettext_lazy("One care file (the read is recorded)"),
    ("post", "/care/files/{file_id}/tier"): gettext_lazy("Raise or lower a care file's tier"),
}


class FileRow(Schema):
    id: int
    student_no: str = Field(..., alias="student.student_no")
    name: str = Field(..., alias="student.name")
    klass: str = Field(..., alias="student.klass.code")
    tier: str = Field(..., description="none | general | severe | disorder")
    key_flag: bool
    owner: int | None = Field(None, alias="owner_id")
    tier_since: datetime.datetime


class CareTaskOut(Schema):
    id: int
    code: str
    tier: str
    role: str
    due_at: datetime.datetime
    overdue_at: datetime.datetime | None
    done_at: datetime.datetime | None
    cancelled_at: datetime.datetime | None


class CareFileOut(FileRow):
    risk_factors: list[str] = Field(..., description="codes of risk_factors.yaml")
    risk_factor_labels: list[str]
    screening: dict
    notes: str
    diagnosis: str
    opened_via: str
    opened_at: datetime.datetime
    tasks: list[CareTaskOut]
    why: str = Field(..., description="need | former_holder | grant | break_glass | token")


class TierIn(Schema):
    tier: str = Field(..., max_length=10, description="none | general | severe | disorder")
    reason: str = Field("", max_length=5000)
    activate_plan: bool = False


def _person(request):
    if getattr(request.auth, "token", None) is not None:
        raise HttpError(403, _("An integration token cannot change care files."))
    return request.auth


@router.get("/care/files", response=list[FileRow], summary="Care files the caller may read")
def list_files(request, tier: str = ""):
    now = timezone.now()
    files = selectors.files_visible(request.auth, now)
    if tier:
        files = files.filter(tier=tier[:10])
    rows = list(files.order_by("-tier_since")[:500])
    token = getattr(request.auth, "token", None)
    services.care_list_read_record(
        actor=None if token else request.auth,
        token=token,
        file_ids=[f.pk for f in rows],
        via="api",
        now=now,
    )
    return rows


def _out(file, why):
    """The file with what the schema adds (its tasks come from the related manager)."""
    file.why = why
    file.risk_factor_labels = [tiers.risk_factor_label(c) for c in file.risk_factors]
    return file


@router.get("/care/files/{file_id}", response=CareFileOut, summary="One care file")
def get_file(request, file_id: int):
    file, why = selectors.file_open(request.auth, file_id, via="api")
    return _out(file, why)


@router.post(
    "/care/files/{file_id}/tier",
    response={200: CareFileOut, 422: FieldErrorsOut},
    summary="Raise or lower a care file's tier",
)
def change_tier(request, file_id: int, payload: TierIn):
    person = _person(request)
    file, why = selectors.file_open(person, file_id, via="api")
    try:
        services.care_tier_change(
            actor=person,
            file=file,
            tier=payload.tier,
            reason=payload.reason,
            activate_plan=payload.activate_plan,
        )
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    except PermissionDenied as exc:
        raise HttpError(
            403, str(exc) or _("Only the psychological centre may lower a tier.")
        ) from None
    file.refresh_from_db()
    return Status(200, _out(file, why))

"""Aftermath endpoints (R-AFTER-1…3, issue 15 item 7): aftermath items, the 复盘 review and
corrective actions, scoped like the pages. They act as a person (an integration token gets
403: there is no one to hold to account), refuse with 403 and the reason, and answer bad input
with 422 and Chinese field errors, changing nothing."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status, UploadedFile
from ninja.errors import HttpError

from shouwang.api.types import Instant
from shouwang.incidents.selectors import incident_get
from shouwang.org.selectors import people_visible, units_visible
from shouwang.reports.api import FieldErrorsOut, _field_errors

from . import selectors, services
from .models import Review

router = Router(tags=["aftermath"])


class DetailOut(Schema):
    detail: str


def _person(request):
    if getattr(request.auth, "token", None) is not None:
        raise HttpError(403, _("Aftermath work acts as a person; an integration token cannot."))
    return request.auth


def _call(fn, *, status=200, **kwargs):
    try:
        return Status(status, fn(**kwargs))
    except ValidationError as exc:
        return Status(422, _field_errors(exc))
    except PermissionDenied as exc:
        raise HttpError(403, str(exc) or _("Permission denied.")) from None


class ItemOut(Schema):
    id: int
    kind: str = Field(..., alias="kind.code")
    title: str
    owner: int = Field(..., alias="owner_id")
    owner_unit: str | None = Field(None, alias="owner_unit.code")
    stands_in_for: str
    due_at: datetime.datetime
    state: str
    note: str
    done_at: datetime.datetime | None
    overdue_at: datetime.datetime | None


class FileOut(Schema):
    id: int
    name: str = Field(..., alias="original_name")
    content_type: str = Field(..., description="sniffed from the bytes, as for report attachments")
    size: int
    sha256: str
    at: datetime.datetime


class AftermathOut(Schema):
    id: int
    incident: int | None = Field(None, alias="incident_id")
    report: int | None = Field(None, alias="report_id")
    title: str
    opened_at: datetime.datetime
    cause: str
    process: str
    consequences: str
    items: list[ItemOut]
    review: int | None = None
    attachments: list[FileOut] = Field(..., description="the investigation's evidence")

    @staticmethod
    def resolve_attachments(obj):
        return list(obj.attachments.order_by("at", "pk"))

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.select_related("kind", "owner_unit"))

    @staticmethod
    def resolve_review(obj):
        return Review.objects.filter(aftermath=obj).values_list("pk", flat=True).first()


class InvestigationIn(Schema):
    cause: str = Field("", max_length=20000)
    process: str = Field("", max_length=20000)
    consequences: str = Field("", max_length=20000)


class ItemIn(Schema):
    state: str = Field(..., description="open | in_progress | done")
    note: str = Field("", max_length=20000)


class SectionOut(Schema):
    key: str
    title: str
    text: str
    mandatory: bool
    empty: bool
    prefilled: bool
    updated_at: datetime.datetime | None


class AmendmentOut(Schema):
    section: str
    text: str
    by: int = Field(..., alias="by_id")
    at: datetime.datetime


class ReviewOut(Schema):
    id: int
    incident: int
    state: str = Field(..., description="draft | signed (frozen)")
    frozen: bool
    owner: int
    due_at: datetime.datetime
    signed_by: int | None
    signed_at: datetime.datetime | None
    facts: dict = Field(..., description="what the record said when the review started")
    sections: list[SectionOut]
    amendments: list[AmendmentOut]


def _review_out(viewer, review):
    data = selectors.review_for_incident(viewer, review.incident) or {}
    return {**data, "owner": review.owner_id, "signed_by": review.signed_by_id}


class SectionIn(Schema):
    text: str = Field(..., max_length=20000)


class AmendIn(Schema):
    section: str
    text: str = Field(..., max_length=20000)


class ActionOut(Schema):
    id: int
    source_type: str
    source_id: str
    title: str
    requirement: str
    evidence_required: str
    issuer: int = Field(..., alias="issuer_id")
    owner_unit: str = Field(..., alias="owner_unit.code")
    owner: int = Field(..., alias="owner_id")
    created_at: datetime.datetime
    due_at: datetime.datetime
    state: str = Field(
        ..., description="deployed 部署 | implementing 落实 | inspecting 检查 | accepted 反馈"
    )
    colour: str = Field(..., description="green | yellow | orange | red (三色督办)")
    last_progress_at: datetime.datetime | None
    evidence_text: str
    submitted_at: datetime.datetime | None
    accepted_at: datetime.datetime | None
    red_at: datetime.datetime | None
    evidence: list[FileOut] = Field(
        ..., description="files sent with progress reports and the submission"
    )

    @staticmethod
    def resolve_evidence(obj):
        return list(obj.evidence.order_by("at", "pk"))


class ActionIn(Schema):
    title: str = Field(..., max_length=200)
    requirement: str = Field(..., max_length=20000)
    evidence_required: str = Field(..., max_length=20000)
    owner_unit: str | None = Field(None, description="unit code")
    owner: int | None = Field(None, description="person id")
    due_at: Instant | None = None


class ProgressIn(Schema):
    text: str = Field(..., max_length=20000)


class SubmitIn(Schema):
    evidence_text: str = Field(..., max_length=20000)


class InspectIn(Schema):
    verdict: str = Field(..., description="accept | send_back")
    reason: str = Field("", max_length=20000)


class RedCountOut(Schema):
    unit: int = Field(..., alias="owner_unit")
    unit_name: str = Field(..., alias="owner_unit__name")
    red: int = Field(..., alias="n")


# ---- aftermath -------------------------------------------------------------------------------


@router.get(
    "/incidents/{incident_id}/aftermath",
    response={200: AftermathOut, 404: DetailOut},
    summary="The aftermath of a closed incident (investigation and items)",
)
def incident_aftermath(request, incident_id: int):
    person = _person(request)
    aftermath = selectors.aftermath_for_incident(person, incident_get(person, incident_id))
    if aftermath is None:
        return Status(
            404,
            {
                "detail": _(
                    "This incident has no aftermath yet (it opens when the incident closes)."
                )
            },
        )
    return aftermath


@router.get("/aftermath/{aftermath_id}", response=AftermathOut)
def get_aftermath(request, aftermath_id: int):
    return selectors.aftermath_get(_person(request), aftermath_id)


@router.put(
    "/aftermath/{aftermath_id}/investigation",
    response={200: AftermathOut, 422: FieldErrorsOut},
    summary="Investigation: cause, process, consequences (evidence files: the web page)",
)
def save_investigation(request, aftermath_id: int, payload: InvestigationIn):
    person = _person(request)
    return _call(
        services.investigation_save,
        actor=person,
        aftermath=selectors.aftermath_get(person, aftermath_id),
        **payload.dict(),
    )


@router.post(
    "/aftermath/{aftermath_id}/attachments",
    response={201: AftermathOut, 422: FieldErrorsOut},
    summary=(
        "Investigation evidence: add files to the investigation "
        "(multipart: files; checked as report attachments)"
    ),
)
def add_attachments(request, aftermath_id: int, files: File[list[UploadedFile]]):
    person = _person(request)
    aftermath = selectors.aftermath_get(person, aftermath_id)
    # The narrative stays as it is: only the files are added (one investigation_saved event).
    return _call(
        services.investigation_save,
        actor=person,
        aftermath=aftermath,
        cause=aftermath.cause,
        process=aftermath.process,
        consequences=aftermath.consequences,
        attachments=files,
        status=201,
    )


@router.get("/aftermath-items", response=list[ItemOut], summary="The caller's open aftermath items")
def my_items(request):
    return selectors.my_items(_person(request))


@router.post(
    "/aftermath/{aftermath_id}/items/{item_id}",
    response={200: ItemOut, 422: FieldErrorsOut},
    summary="Update an item's status (done needs a note)",
)
def update_item(request, aftermath_id: int, item_id: int, payload: ItemIn):
    person = _person(request)
    aftermath = selectors.aftermath_get(person, aftermath_id)
    return _call(
        services.item_update,
        actor=person,
        item=get_object_or_404(aftermath.items, pk=item_id),
        **payload.dict(),
    )


# ---- reviews ---------------------------------------------------------------------------------


@router.get(
    "/incidents/{incident_id}/review",
    response={200: ReviewOut, 404: DetailOut},
    summary="The 复盘 review of an incident, with its pre-filled facts",
)
def incident_review(request, incident_id: int):
    person = _person(request)
    data = selectors.review_for_incident(person, incident_get(person, incident_id))
    if data is None:
        return Status(
            404,
            {"detail": _("This incident has no review yet (it starts when the incident closes).")},
        )
    return {
        **data,
        "owner": data["owner"].pk,
        "signed_by": data["signed_by"].pk if data["signed_by"] else None,
    }


@router.put(
    "/reviews/{review_id}/sections/{key}",
    response={200: ReviewOut, 422: FieldErrorsOut},
    summary="Edit a section's narrative (refused once frozen)",
)
def save_section(request, review_id: int, key: str, payload: SectionIn):
    person = _person(request)
    review = selectors.review_get(person, review_id)
    result = _call(
        services.review_section_save, actor=person, review=review, key=key, text=payload.text
    )
    if result.status_code != 200:
        return result
    return _review_out(person, review)


@router.post(
    "/reviews/{review_id}/sign-off",
    response={200: ReviewOut, 422: FieldErrorsOut},
    summary="Sign off (group head only; every section must have text); then frozen",
)
def sign_off(request, review_id: int):
    person = _person(request)
    review = selectors.review_get(person, review_id)
    result = _call(services.review_sign_off, actor=person, review=review)
    if result.status_code != 200:
        return result
    return _review_out(person, review)


@router.post(
    "/reviews/{review_id}/amendments",
    response={201: AmendmentOut, 422: FieldErrorsOut},
    summary="Amend a signed-off review (appended; the signed text stays)",
)
def amend(request, review_id: int, payload: AmendIn):
    person = _person(request)
    return _call(
        services.review_amend,
        actor=person,
        review=selectors.review_get(person, review_id),
        section=payload.section,
        text=payload.text,
        status=201,
    )


# ---- corrective actions ----------------------------------------------------------------------


@router.get(
    "/corrective-actions",
    response=list[ActionOut],
    summary="Corrective actions the caller may see (open ones by default), by due date",
)
def list_actions(request, open_only: bool = True, unit: str = "", colour: str = ""):
    person = _person(request)
    scope_unit = units_visible(person).filter(code=unit).first() if unit else None
    if unit and scope_unit is None:
        return []
    return selectors.action_list(person, open_only=open_only, unit=scope_unit, colour=colour[:10])


@router.get(
    "/corrective-actions/red-counts",
    response=list[RedCountOut],
    summary="How many actions of each unit went red (a statistic)",
)
def red_counts(request):
    return selectors.red_counts(_person(request))


@router.post(
    "/reviews/{review_id}/corrective-actions",
    response={201: ActionOut, 422: FieldErrorsOut},
    summary="Issue a corrective action from a review (部署)",
)
def issue_action(request, review_id: int, payload: ActionIn):
    person = _person(request)
    review = selectors.review_get(person, review_id)
    unit = (
        units_visible(person).filter(code=payload.owner_unit).first()
        if payload.owner_unit
        else None
    )
    owner = people_visible(person).filter(pk=payload.owner).first() if payload.owner else None
    errors = {}
    if payload.owner_unit and unit is None:
        errors["owner_unit"] = [_("Choose a unit you may see.")]
    if payload.owner and owner is None:
        errors["owner"] = [_("No such person among those you may see.")]
    if errors:
        return Status(422, {"detail": errors})
    return _call(
        services.action_issue,
        actor=person,
        source_type=services.REVIEW_SOURCE,
        source_id=review.pk,
        title=payload.title,
        requirement=payload.requirement,
        evidence_required=payload.evidence_required,
        owner_unit=unit,
        owner=owner,
        due_at=payload.due_at,
        status=201,
    )


@router.get("/corrective-actions/{action_id}", response=ActionOut)
def get_action(request, action_id: int):
    return selectors.action_get(_person(request), action_id)


@router.post(
    "/corrective-actions/{action_id}/progress",
    response={201: DetailOut, 422: FieldErrorsOut},
    summary="落实: a progress report",
)
def progress(request, action_id: int, payload: ProgressIn):
    person = _person(request)
    result = _call(
        services.action_progress,
        actor=person,
        action=selectors.action_get(person, action_id),
        text=payload.text,
        status=201,
    )
    if result.status_code == 201:
        return Status(201, {"detail": _("Progress reported.")})
    return result


@router.post(
    "/corrective-actions/{action_id}/submit",
    response={200: ActionOut, 422: FieldErrorsOut},
    summary="Submit the evidence for inspection (with files: …/submit/files)",
)
def submit(request, action_id: int, payload: SubmitIn):
    person = _person(request)
    return _call(
        services.action_submit,
        actor=person,
        action=selectors.action_get(person, action_id),
        evidence_text=payload.evidence_text,
    )


@router.post(
    "/corrective-actions/{action_id}/progress/files",
    response={201: ActionOut, 422: FieldErrorsOut},
    summary=(
        "Progress report with evidence files (multipart: "
        "text, files; checked as report attachments)"
    ),
)
def progress_with_files(request, action_id: int, text: Form[str], files: File[list[UploadedFile]]):
    person = _person(request)
    action = selectors.action_get(person, action_id)
    result = _call(
        services.action_progress,
        actor=person,
        action=action,
        text=text,
        attachments=files,
        status=201,
    )
    if result.status_code == 201:
        return Status(201, selectors.action_get(person, action_id))
    return result


@router.post(
    "/corrective-actions/{action_id}/submit/files",
    response={200: ActionOut, 422: FieldErrorsOut},
    summary="Submit for inspection with evidence files (multipart: evidence_text, files)",
)
def submit_with_files(
    request, action_id: int, evidence_text: Form[str], files: File[list[UploadedFile]]
):
    person = _person(request)
    return _call(
        services.action_submit,
        actor=person,
        action=selectors.action_get(person, action_id),
        evidence_text=evidence_text,
        attachments=files,
    )


@router.post(
    "/corrective-actions/{action_id}/inspect",
    response={200: ActionOut, 422: FieldErrorsOut},
    summary="检查: the issuer accepts or sends back with a reason",
)
def inspect(request, action_id: int, payload: InspectIn):
    person = _person(request)
    return _call(
        services.action_inspect,
        actor=person,
        action=selectors.action_get(person, action_id),
        verdict=payload.verdict,
        reason=payload.reason,
    )

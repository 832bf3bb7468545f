"""Plan endpoints: the library (read by any signed-in person or token) and validation of a
plan's YAML, so an institution's tooling can check a file before uploading it."""

import datetime

from ninja import Field, Router, Schema

from shouwang.plans import selectors, services
from shouwang.plans.loading import PlanError

router = Router(tags=["plans"])


class PlanOut(Schema):
    code: str
    title: str
    is_builtin: bool
    version: int = Field(..., alias="current.number")
    updated_at: datetime.datetime = Field(..., alias="current.created_at")


class PlanDetailOut(PlanOut):
    document: dict = Field(
        ..., alias="current.document", description="the validated plan (see schema.json)"
    )
    resources: list[dict] = Field(..., description="needed vs registered, with gap")


class PlanCheckIn(Schema):
    yaml_text: str


class PlanProblemOut(Schema):
    line: int | None
    path: str
    message: str


class PlanCheckOut(Schema):
    valid: bool
    problems: list[PlanProblemOut]


@router.get("/plans", response=list[PlanOut], summary="Emergency plans (预案)")
def list_plans(request):
    return list(selectors.plans_list(request.auth))


@router.post(
    "/plans/check", response=PlanCheckOut, summary="Validate a plan's YAML against the schema"
)
def check_plan(request, payload: PlanCheckIn):
    try:
        services.plan_parse(payload.yaml_text, "plan.yaml")
    except PlanError as exc:
        return {
            "valid": False,
            "problems": [
                {"line": p.line, "path": p.path, "message": p.message} for p in exc.errors
            ],
        }
    return {"valid": True, "problems": []}


@router.get("/plans/{code}", response=PlanDetailOut)
def get_plan(request, code: str):
    plan = selectors.plan_get(request.auth, code)
    plan.resources = selectors.resource_gaps(plan.current.document)
    return plan

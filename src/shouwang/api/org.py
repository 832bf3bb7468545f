import datetime
from typing import Annotated

from ninja import Field, Query, Router, Schema

from shouwang.api.permissions import perm_auth, require_token_perm
from shouwang.org import selectors

router = Router(tags=["organisation"])


class UnitOut(Schema):
    code: str
    name: str
    kind: str
    parent: str | None = Field(None, alias="parent.code")
    path: str
    function: str


class PostOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(..., alias="person.display_name")
    unit: str = Field(..., alias="unit.code")
    role: str = Field(..., alias="role.code")
    role_name: str = Field(..., alias="role.name")
    since: datetime.date
    until: datetime.date | None


class StudentOut(Schema):
    student_no: str
    name: str
    gender: str
    klass: str = Field(..., alias="klass.code")
    class_name: str = Field(..., alias="klass.name")
    dorm_room: str | None = Field(None, alias="dorm_room.code")
    # null for a caller who may not see contacts (org.permissions.may_see_contacts)
    phone: str | None
    guardian_name: str | None
    guardian_phone: str | None
    status: str


@router.get(
    "/units", response=list[UnitOut], summary="Units the caller may see", auth=perm_auth("org.read")
)
def list_units(
    request,
    kind: str | None = None,
    parent: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
):
    require_token_perm(request, "org.read")
    qs = selectors.units_visible(request.auth).select_related("parent")
    if kind:
        qs = qs.filter(kind=kind)
    if parent:
        qs = qs.filter(parent__code=parent)
    return qs.order_by("path")[offset : offset + limit]


@router.get("/units/{code}", response=UnitOut, auth=perm_auth("org.read"))
def get_unit(request, code: str):
    require_token_perm(request, "org.read")
    return selectors.unit_get(request.auth, code)


@router.get(
    "/units/{code}/posts",
    response=list[PostOut],
    summary="Current posts at a unit",
    auth=perm_auth("org.read"),
)
def unit_posts(request, code: str):
    require_token_perm(request, "org.read")
    unit = selectors.unit_get(request.auth, code)
    return selectors.posts_current_for_unit(request.auth, unit).select_related("unit")


@router.get("/people/{person_id}/posts", response=list[PostOut], auth=perm_auth("org.read"))
def person_posts(request, person_id: int):
    require_token_perm(request, "org.read")
    person = selectors.person_get(request.auth, person_id)
    return selectors.posts_for_person(request.auth, person)


@router.get(
    "/students",
    response=list[StudentOut],
    summary="Search students by 学号 or name",
    auth=perm_auth("students.read"),
)
def search_students(
    request, q: str = "", unit: str | None = None, limit: Annotated[int, Query(ge=1, le=200)] = 50
):
    require_token_perm(request, "students.read")
    limit = max(1, min(limit, 200))
    if unit:
        found = selectors.unit_students(request.auth, selectors.unit_get(request.auth, unit))
        found = found.select_related("klass", "dorm_room")[:limit]
    else:
        found = selectors.student_search(request.auth, q, limit=limit)
    return selectors.students_as_seen_by(request.auth, found)


@router.get("/students/{student_no}", response=StudentOut, auth=perm_auth("students.read"))
def get_student(request, student_no: str):
    require_token_perm(request, "students.read")
    return selectors.students_as_seen_by(
        request.auth, [selectors.student_get(request.auth, student_no)]
    )[0]

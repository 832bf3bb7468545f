"""Every read of the organisation, scoped to what the viewer may see. Out of scope = 404."""

from collections import defaultdict

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from shouwang.accounts.models import User

from .models import Post, Role, Student, Unit
from .permissions import COVERT_ROLE, may_see_contacts, sees_covert_identity
from .scope import scope_for


def units_visible(viewer):
    return Unit.objects.filter(scope_for(viewer).q("path"))


def unit_get(viewer, code: str) -> Unit:
    return get_object_or_404(units_visible(viewer).select_related("parent"), code=code)


def _with_has_children(units):
    """`has_children` on each unit: the tree offers 展开 only where there is something below
    (a unit's children are inside any scope that holds the unit)."""
    return units.annotate(has_children=Exists(Unit.objects.filter(parent=OuterRef("pk"))))


def unit_roots(viewer):
    """The top units of the viewer's scope: where their tree browser starts."""
    scope = scope_for(viewer)
    if scope.everything:
        return _with_has_children(Unit.objects.filter(parent__isnull=True))
    return _with_has_children(Unit.objects.filter(path__in=scope.paths))


def unit_children(viewer, unit: Unit):
    return _with_has_children(units_visible(viewer).filter(parent=unit)).order_by(
        "sort_order", "code"
    )


def unit_breadcrumbs(viewer, unit: Unit):
    """Ancestors of `unit` that the viewer may see, root first."""
    scope = scope_for(viewer)
    codes = unit.ancestor_codes()
    ancestors = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    return [
        ancestors[c] for c in codes if c in ancestors and scope.contains_path(ancestors[c].path)
    ]


def students_visible(viewer):
    scope = scope_for(viewer)
    if scope.everything:
        return Student.objects.all()
    return Student.objects.filter(scope.q("klass__path") | scope.q("dorm_room__path"))


def student_get(viewer, student_no: str) -> Student:
    return get_object_or_404(
        students_visible(viewer).select_related(
            "klass", "klass__parent", "dorm_room", "dorm_room__parent"
        ),
        student_no=student_no,
    )


def student_units_openable(viewer, student) -> dict[str, bool]:
    """Which of the student's units the viewer may open: seeing a student (through the class or
    the room) does not mean seeing both units (a dorm head sees the room, not the class)."""
    visible = set(
        units_visible(viewer)
        .filter(pk__in=[student.klass_id, student.dorm_room_id])
        .values_list("pk", flat=True)
    )
    return {
        "class": student.klass_id in visible,
        "room": student.dorm_room_id is not None and student.dorm_room_id in visible,
    }


def students_as_seen_by(viewer, students) -> list[Student]:
    """The students with their and their guardians' phone numbers blanked (None) for a viewer
    who may not see contacts (permissions.may_see_contacts: not for student cadres)."""
    students = list(students)
    if not may_see_contacts(viewer):
        for s in students:
            s.phone = s.guardian_name = s.guardian_phone = None
    return students


def student_search(viewer, query: str, *, limit: int = 50):
    """By 学号 prefix or name fragment; empty query → nothing (never the whole register)."""
    query = (query or "").strip()
    if not query:
        return Student.objects.none()
    match = Q(student_no__startswith=query) if query.isascii() and query.isalnum() else Q()
    match |= Q(name__contains=query)
    return (
        students_visible(viewer)
        .filter(match)
        .select_related("klass", "dorm_room", "dorm_room__parent")
        .order_by("student_no")[:limit]
    )


def unit_students(viewer, unit: Unit):
    return students_visible(viewer).filter(Q(klass=unit) | Q(dorm_room=unit)).order_by("student_no")


def posts_known_to(viewer, posts):
    """`posts` without covert observers' for a viewer below counsellor (R-ORG-6): the unit page,
    the person page and the API must not tell a class's cadres or teacher who watches it."""
    return posts if sees_covert_identity(viewer) else posts.exclude(role__code=COVERT_ROLE)


def posts_current_for_unit(viewer, unit: Unit):
    if not scope_for(viewer).contains_path(unit.path):
        raise Http404
    return (
        posts_known_to(viewer, Post.objects.current().filter(unit=unit))
        .select_related("person", "role")
        .order_by("-role__rank")
    )


def people_visible(viewer):
    """People who hold a current post inside the viewer's scope, and the viewer themself."""
    scope = scope_for(viewer)
    if scope.everything:
        return User.objects.all()
    in_scope = posts_known_to(viewer, Post.objects.current().filter(scope.q("unit__path"))).values(
        "person_id"
    )
    own = Q(pk=viewer.pk) if getattr(viewer, "pk", None) else Q(pk__in=[])
    return User.objects.filter(Q(pk__in=in_scope) | own)


def person_get(viewer, person_id: int):
    return get_object_or_404(people_visible(viewer), pk=person_id)


def posts_for_person(viewer, person):
    """A person's posts, current and past, limited to units the viewer may see."""
    scope = scope_for(viewer)
    qs = Post.objects.filter(person=person).select_related("unit", "role").order_by("-since")
    if getattr(viewer, "pk", None) == person.pk:
        return qs
    return posts_known_to(viewer, qs.filter(scope.q("unit__path")))


def unit_gaps(viewer, *, under: Unit | None = None):
    """Units in scope (optionally under one unit) lacking a required role: [(unit, [roles])]."""
    required = defaultdict(list)
    for role in Role.objects.all():
        for kind in role.required_for or []:
            required[kind].append(role)
    units = units_visible(viewer).filter(kind__in=list(required), is_active=True)
    if under is not None:
        units = units.filter(path__startswith=under.path)
    filled = set(
        Post.objects.current().filter(unit__in=units).values_list("unit_id", "role_id").distinct()
    )
    gaps = []
    for unit in units.select_related("parent").order_by(
        "path"
    ):  # a room's label names its building
        missing = [r for r in required[unit.kind] if (unit.id, r.id) not in filled]
        if missing:
            gaps.append((unit, missing))
    return gaps


def my_units(viewer):
    """The units where the viewer holds a current post, with the post's role."""
    return (
        Post.objects.current()
        .filter(person=viewer)
        .select_related("unit", "role")
        .order_by("unit__path")
    )


def student_for_code_login(number: str):
    """The enrolled student with this 学号 who has an active account with a phone (the SMS
    channel sends to the account's phone, copied from the register), or None."""
    return (
        Student.objects.filter(
            student_no=number[:20],
            status=Student.Status.ENROLLED,
            user__isnull=False,
            user__is_active=True,
        )
        .exclude(user__phone="")
        .select_related("user")
        .first()
    )


def guardian_contact(student: Student) -> tuple[str, bool]:
    """(the guardian's phone, whether the guardian confirmed it): escalations that must reach
    parents use verified numbers first and say when a number is unverified."""
    return student.guardian_phone, student.guardian_phone_verified

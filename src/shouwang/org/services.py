"""Every write to the organisation: permission check, change and timeline event in one
transaction."""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from shouwang.audit.services import event_record

from . import hooks
from .models import Post, Role, Student, Unit
from .permissions import can_manage_org


def _require_manager(actor):
    if not can_manage_org(actor):
        raise PermissionDenied


@transaction.atomic
def unit_create(
    *,
    actor,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None = None,
    function: str = "",
    name_en: str = "",
) -> Unit:
    _require_manager(actor)
    unit = Unit(code=code, name=name, kind=kind, parent=parent, function=function, name_en=name_en)
    unit.full_clean()
    unit.save()
    event_record(
        actor=actor,
        subject=unit,
        verb="unit.created",
        data={"code": code, "name": name, "kind": kind, "parent": parent.code if parent else None},
    )
    return unit


@transaction.atomic
def post_assign(
    *,
    actor,
    person,
    unit: Unit,
    role: Role,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> Post:
    _require_manager(actor)
    post = Post(
        person=person, unit=unit, role=role, since=since or timezone.localdate(), until=until
    )
    post.full_clean()
    post.save()
    event_record(
        actor=actor,
        subject=post,
        verb="post.assigned",
        data={
            "person": person.pk,
            "unit": unit.code,
            "role": role.code,
            "since": post.since.isoformat(),
            "until": until.isoformat() if until else None,
        },
    )
    hooks.posts_changed(started=[post], actor=actor)
    return post


@transaction.atomic
def post_end(*, actor, post: Post, until: datetime.date | None = None) -> Post:
    _require_manager(actor)
    post.until = until or timezone.localdate()
    post.full_clean()
    post.save(update_fields=["until"])
    event_record(
        actor=actor, subject=post, verb="post.ended", data={"until": post.until.isoformat()}
    )
    hooks.posts_changed(ended=[post], actor=actor)
    return post


@transaction.atomic
def student_guardian_verify(*, student: Student, phone: str, actor=None, now=None) -> bool:
    """The guardian confirmed `phone` (through the one-time SMS link): it becomes the verified
    number, if it is still the student's guardian number. Returns whether it was stored."""
    now = now or timezone.now()
    student = Student.objects.select_for_update().get(pk=student.pk)
    if not phone or student.guardian_phone != phone:
        return False
    student.guardian_verified_phone = phone
    student.guardian_verified_at = now
    student.save(update_fields=["guardian_verified_phone", "guardian_verified_at"])
    event_record(
        actor=actor,
        subject=student,
        verb="student.guardian_verified",
        data={"phone_tail": phone[-4:]},
        at=now,
    )
    return True

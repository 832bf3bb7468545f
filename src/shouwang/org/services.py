"""Every write to the organisation: permission check, change and timeline event in one
transaction."""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record

from . import hooks
from .models import Post, Role, Student, Unit
from .permissions import can_manage_org, can_set_student_status


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


STUDENT_ACCOUNT_BATCH = 2000


@transaction.atomic
def student_accounts_create(*, actor, password: str | None = None, students=None, now=None) -> int:
    """Accounts for the register's enrolled students who have none (学号 as the user name):
    a student cadre's existing account (staff_no = 学号) is linked, not duplicated, so the
    cadre keeps their post. Without `password` the accounts have unusable passwords and the
    students sign in the first time with a one-time code sent to their phone; with one, it is
    hashed once for the whole batch (argon2 is slow on purpose). Returns how many students got
    an account; one timeline event for the batch. `actor=None` is the operator at the command
    line (`shouwang student-accounts`)."""
    if actor is not None:
        _require_manager(actor)
    now = now or timezone.now()
    User = get_user_model()
    todo = Student.objects.filter(user__isnull=True, status=Student.Status.ENROLLED)
    if students is not None:
        todo = todo.filter(pk__any_of=[s.pk for s in students])
    rows = list(todo.values_list("pk", "student_no", "name", "phone"))
    if not rows:
        return 0
    numbers = {no for _pk, no, _n, _p in rows}
    existing: dict[str, int] = {
        no: pk
        for no, pk in User.objects.filter(staff_no__isnull=False).values_list("staff_no", "pk")
        if no in numbers
    }
    taken = {u for u in User.objects.values_list("username", flat=True).iterator() if u in numbers}
    hashed = make_password(password)  # None → an unusable password, also shared
    new = [
        User(
            username=no if no not in taken else f"s{no}",
            staff_no=no,
            full_name=name,
            phone=phone,
            password=hashed,
        )
        for _pk, no, name, phone in rows
        if no not in existing
    ]
    User.objects.bulk_create(new, batch_size=STUDENT_ACCOUNT_BATCH)
    # One UPDATE links every student to the account numbered with their 学号 (staff_no is
    # unique and indexed): bulk_update's CASE per row took half a minute at 50,000.
    Student.objects.filter(pk__any_of=[pk for pk, *_rest in rows]).update(
        user_id=Subquery(User.objects.filter(staff_no=OuterRef("student_no")).values("pk")[:1])
    )
    event_record(
        actor=actor,
        subject=("org.student_accounts", now.date().isoformat()),
        verb="org.student_accounts_created",
        data={"created": len(new), "linked_cadres": len(existing), "password_set": bool(password)},
        at=now,
    )
    return len(rows)


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


STATUS_REASON_MAX = 200


@transaction.atomic
def student_status_set(*, actor, student: Student, status: str, reason: str, now=None) -> Student:
    """学生处 / 教务处 change a student's 学籍 status (休学, 复学 …). The event carries the
    change and the reason's length only: a reason may be a care matter (kept encrypted by care)."""
    now = now or timezone.now()
    if not can_set_student_status(actor):
        raise PermissionDenied
    reason = (reason or "").strip()
    errors: dict = {}
    if status not in Student.Status.values:
        errors["status"] = [_("Choose one of the statuses.")]
    if not reason:
        errors["reason"] = [_("State the reason.")]
    elif len(reason) > STATUS_REASON_MAX:
        errors["reason"] = [_("At most %(n)d characters.") % {"n": STATUS_REASON_MAX}]
    if errors:
        raise ValidationError(errors)
    student = Student.objects.select_for_update().get(pk=student.pk)
    before = student.status
    if before == status:
        raise ValidationError({"status": [_("The student already has this status.")]})
    student.status = status
    student.save(update_fields=["status"])
    event_record(
        actor=actor,
        subject=student,
        verb="student.status_changed",
        data={"from": before, "to": status, "reason_length": len(reason)},
        at=now,
    )
    return student

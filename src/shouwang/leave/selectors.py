"""Every read of leave, scoped: a student reads their own; an approver their queue; staff the
leaves of the students in their scope; the night scan asks who is excused."""

import datetime

from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from shouwang.audit.selectors import events_for_subject
from shouwang.monitoring.hooks import OFF_CAMPUS, ON_LEAVE
from shouwang.org.models import Post
from shouwang.org.permissions import is_student_cadre_only, student_of
from shouwang.org.scope import root_path, scope_for

from . import permissions
from .models import Leave

QUEUE_MAX = 500
OVERDUE_SHOWN = datetime.timedelta(days=30)  # a leave this late still shows as away


def _base():
    return Leave.objects.select_related("student__klass", "student__user")


def own_leaves(viewer):
    """The student's own requests, newest first (none for anyone else)."""
    student = student_of(viewer)
    if student is None:
        return Leave.objects.none()
    return _base().filter(student=student)


def own_leave(viewer, pk) -> Leave:
    leave = own_leaves(viewer).filter(pk=pk).first()
    if leave is None:
        raise Http404
    return _labelled(leave)


def _labelled(leave) -> Leave:
    """The page says whose decision a request waits for (辅导员), not the role's code."""
    leave.waiting_for = (
        permissions.role_label(leave.step_role) if leave.state == Leave.State.PENDING else ""
    )
    return leave


def queue(viewer):
    """Requests waiting for the viewer's decision: the step's role is one the viewer holds
    where the student's class is (or school-wide in its school)."""
    if not getattr(viewer, "is_authenticated", False) or getattr(viewer, "pk", None) is None:
        return Leave.objects.none()
    pending = _base().filter(state=Leave.State.PENDING)
    if viewer.is_superuser:
        return pending.order_by("start_at")
    q = Q(pk__in=[])
    for path, role, wide in (
        Post.objects.current()
        .filter(person=viewer)
        .values_list("unit__path", "role__code", "role__school_wide")
    ):
        where = root_path(path) if wide else path
        q |= Q(step_role=role, student__klass__path__startswith=where)
    return pending.filter(q).exclude(student__user_id=viewer.pk).order_by("start_at")


def in_scope(viewer):
    """Leaves of students in the viewer's scope (never for a student or a student cadre)."""
    if student_of(viewer) is not None or is_student_cadre_only(viewer):
        return Leave.objects.none()
    return _base().filter(scope_for(viewer).q("student__klass__path"))


def away_now(viewer, now):
    """Approved leave and lodging going on now, in scope (who is away, to close on return)."""
    return in_scope(viewer).filter(
        state=Leave.State.APPROVED, start_at__lte=now, end_at__gt=now - OVERDUE_SHOWN
    )


def leave_for(viewer, pk) -> Leave:
    """One leave the viewer may see, else 404 (another student's is not there)."""
    leave = _base().filter(pk=pk).first()
    if leave is None or not permissions.may_see(viewer, leave):
        raise Http404
    return _labelled(leave)


VERBS = {
    "leave.applied": _("Applied"),
    "leave.step_approved": _("Step approved"),
    "leave.approved": _("Approved"),
    "leave.refused": _("Refused"),
    "leave.cancelled": _("Withdrawn by the student"),
    "leave.returned": _("Returned (销假)"),
    "leave.step_reminded": _("Approver reminded"),
    "leave.step_escalated": _("Escalated: not decided in time"),
    "leave.overdue": _("Not back in time: reported"),
    "leave.deadline_restored": _("Deadline restored by the auditor"),
}


def timeline(leave) -> list:
    """The leave's events, oldest first, each with a label (callers checked may_see)."""
    rows = list(events_for_subject(leave).order_by("seq"))
    for e in rows:
        e.label = VERBS.get(e.verb, e.verb)
    return rows


def decisions(leave):
    return leave.decisions.select_related("person").order_by("step")


def excused(student_ids, start, end) -> dict[int, str]:
    """monitoring.hooks.register_excuse: students on approved leave or off-campus lodging at
    some time in [start, end). One query over the (few) approved leaves overlapping the window;
    the (maybe 50,000) ids are intersected here, not sent as parameters."""
    ids = set(student_ids)
    found: dict[int, str] = {}
    rows = Leave.objects.filter(
        state=Leave.State.APPROVED, start_at__lt=end, end_at__gt=start
    ).values_list("student_id", "kind")
    for student_id, kind in rows:
        if student_id in ids:
            status = OFF_CAMPUS if kind == Leave.Kind.OFF_CAMPUS else ON_LEAVE
            if found.get(student_id) != ON_LEAVE:
                found[student_id] = status
    return found

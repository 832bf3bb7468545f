"""What the leave writes share: the engine's subject type and deadline kinds (SUBJECT,
STEP_KIND, OVERDUE_KIND), REPORT_SOURCE, the messages (`_tell`, `_tell_student`), asking a
step's approvers (`_ask`: told, with a deadline) and the leave locked for a change
(`_locked`)."""

import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.escalation.services import deadlines_schedule
from shouwang.notify.services import message_send

from .. import permissions
from ..chain import chain
from ..models import Leave

SUBJECT = "leave.leave"
STEP_KIND = "leave_step"  # an approver's step waiting: remind, then escalate
OVERDUE_KIND = "leave_overdue"  # the leave's end + grace: not back → a report
REPORT_SOURCE = "leave"  # the automatic reports' source: only leave resolves its own


def _url(leave) -> str:
    return reverse("leave_detail", args=[leave.pk])


def _tell(leave, *, kind, title, recipients, now, url=None):
    message_send(
        subject_type=SUBJECT,
        subject_id=leave.pk,
        kind=kind,
        title=title,
        url=url or _url(leave),
        recipients=recipients,
        now=now,
    )


def _tell_student(leave, *, kind, title, now):
    if leave.student.user_id:
        _tell(
            leave,
            kind=kind,
            title=title,
            recipients=[leave.student.user],
            now=now,
            url=reverse("me_leave_detail", args=[leave.pk]),
        )


def _step_deadline(leave, now):
    deadlines_schedule(
        deadlines=[
            {
                "kind": STEP_KIND,
                "subject_type": SUBJECT,
                "subject_id": leave.pk,
                "fence": leave.step * 10,
                "due_at": now + datetime.timedelta(hours=chain().decide_hours),
            }
        ],
        now=now,
    )


def _ask(leave, now):
    """The step waiting: its approvers are told and get a deadline."""
    _step_deadline(leave, now)
    _tell(
        leave,
        kind="leave.pending",
        title=_("Leave to approve: %(student)s, %(start)s–%(end)s")
        % _when(leave, student=leave.student.name),
        recipients=permissions.role_holders(leave.student, leave.step_role),
        now=now,
    )


def _when(leave, **extra):
    fmt = "%m-%d %H:%M"
    return {
        "start": timezone.localtime(leave.start_at).strftime(fmt),
        "end": timezone.localtime(leave.end_at).strftime(fmt),
        **extra,
    }


def _locked(leave) -> Leave:
    return (
        Leave.objects.select_for_update(of=("self",))
        .select_related("student__klass")
        .get(pk=leave.pk)
    )

"""Every write to leave: apply, decide step by step, withdraw, 销假 (by hand or by a check-in),
and what the engine does when an approver or a returning student is late."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.escalation.models import Deadline
from shouwang.escalation.services import deadlines_cancel, deadlines_schedule
from shouwang.notify.services import message_send
from shouwang.org.models import Student
from shouwang.org.permissions import student_of
from shouwang.reports.models import Report
from shouwang.reports.services import report_resolve_automatic, reports_file_automatic

from . import permissions
from .chain import chain, leave_days
from .models import Decision, Leave

SUBJECT = "leave.leave"
STEP_KIND = "leave_step"  # an approver's step waiting: remind, then escalate
OVERDUE_KIND = "leave_overdue"  # the leave's end + grace: not back → a report
REPORT_SOURCE = "leave"  # the automatic reports' source: only leave resolves its own
LIVE = (Leave.State.PENDING, Leave.State.APPROVED)
# Bounds on what a request may say (a form or the API): never an unbounded input.
TEXT_MAX = {"reason": 500, "destination": 200, "emergency_name": 50, "address": 200}
HOW_FAR_AHEAD = datetime.timedelta(days=366)
HOW_FAR_BACK = datetime.timedelta(days=7)  # a sudden illness is reported a few days late
# Who is told when a step's approver does not decide in time: the next role up.
ESCALATE_TO = {
    "counsellor": "deputy_secretary",
    "deputy_secretary": "leader",
    "leader": "student_affairs_officer",
}


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


def _clean(kind, start_at, end_at, texts, guardian_consent, now) -> dict:
    errors: dict[str, str] = {}
    if kind not in Leave.Kind.values:
        errors["kind"] = _("Choose leave or off-campus lodging.")
    for name, limit in TEXT_MAX.items():
        if len(texts.get(name, "")) > limit:
            errors[name] = _("At most %(n)d characters.") % {"n": limit}
    if not texts.get("reason"):
        errors["reason"] = _("Say why.")
    if kind == Leave.Kind.LEAVE:
        if not texts.get("destination"):
            errors["destination"] = _("Say where you will be.")
        if not texts.get("emergency_name") or not texts.get("emergency_phone"):
            errors["emergency_phone"] = _("Give an emergency contact and their phone.")
    if kind == Leave.Kind.OFF_CAMPUS:
        if not texts.get("address"):
            errors["address"] = _("Give the address where you will live.")
        if not guardian_consent:
            errors["guardian_consent"] = _("Off-campus lodging needs your guardian's consent.")
    phone = texts.get("emergency_phone", "")
    if phone and (len(phone) > 20 or not phone.replace("-", "").isdigit()):
        errors["emergency_phone"] = _("Enter a valid phone number.")
    if start_at is None or end_at is None:
        errors["start_at"] = _("Give when it starts and ends.")
    elif end_at <= start_at:
        errors["end_at"] = _("The end must be after the start.")
    elif start_at < now - HOW_FAR_BACK or end_at > now + HOW_FAR_AHEAD:
        errors["start_at"] = _("Dates must lie between a week ago and a year ahead.")
    elif kind == Leave.Kind.LEAVE and leave_days(start_at, end_at) > chain().max_days:
        errors["end_at"] = _(
            "Leave longer than a third of a term is not leave: apply for a suspension of "
            "studies (休学) at the college."
        )
    return errors


@transaction.atomic
def leave_apply(
    *,
    actor,
    kind: str = Leave.Kind.LEAVE,
    start_at,
    end_at,
    reason: str,
    destination: str = "",
    emergency_name: str = "",
    emergency_phone: str = "",
    address: str = "",
    guardian_consent: bool = False,
    guardian_consent_note: str = "",
    now=None,
) -> Leave:
    """A student asks for leave or off-campus lodging for themselves. ValidationError (by
    field) for bad input, overlapping requests and leave over the limit."""
    now = now or timezone.now()
    student = student_of(actor)
    if student is None:
        raise PermissionDenied(_("Only a student applies for their own leave."))
    texts = {
        "reason": (reason or "").strip(),
        "destination": (destination or "").strip(),
        "emergency_name": (emergency_name or "").strip(),
        "emergency_phone": (emergency_phone or "").strip(),
        "address": (address or "").strip(),
    }
    errors = _clean(kind, start_at, end_at, texts, guardian_consent, now)
    if not errors:
        # Lock the student: two requests sent at once cannot both pass the overlap check.
        Student.objects.select_for_update().filter(pk=student.pk).first()
        if Leave.objects.filter(
            student=student, state__in=LIVE, start_at__lt=end_at, end_at__gt=start_at
        ).exists():
            errors["start_at"] = _("You already have a leave request for part of this time.")
    if errors:
        raise ValidationError(errors)
    rules = chain()
    if kind == Leave.Kind.OFF_CAMPUS:
        steps = list(rules.off_campus_steps)
    else:
        steps = list(rules.steps_for(leave_days(start_at, end_at)))
    # A role nobody holds for this student is skipped on the record, not waited for forever.
    staffed = [r for r in steps if permissions.role_holders(student, r)]
    if not staffed:
        raise ValidationError({"start_at": _("Nobody can approve this yet: ask your counsellor.")})
    leave = Leave.objects.create(
        student=student,
        kind=kind,
        start_at=start_at,
        end_at=end_at,
        guardian_consent=bool(guardian_consent),
        guardian_consent_note=(guardian_consent_note or "").strip()[:200],
        chain=staffed,
        step=0,
        step_role=staffed[0],
        created_by=actor,
        created_at=now,
        **texts,
    )
    event_record(
        actor=actor,
        subject=leave,
        verb="leave.applied",
        data={
            "kind": kind,
            "student": student.student_no,
            "start_at": start_at.isoformat(),
            "end_at": end_at.isoformat(),
            "chain": staffed,
            "skipped": [r for r in steps if r not in staffed],
        },
        at=now,
    )
    _ask(leave, now)
    return leave


def _locked(leave) -> Leave:
    return (
        Leave.objects.select_for_update(of=("self",))
        .select_related("student__klass")
        .get(pk=leave.pk)
    )


@transaction.atomic
def leave_decide(*, actor, leave: Leave, verdict: str, note: str = "", now=None) -> Leave:
    """The step's approver approves (the next step is asked, or the leave is approved) or
    refuses (a note saying why is required)."""
    now = now or timezone.now()
    leave = _locked(leave)
    note = (note or "").strip()
    if verdict not in Decision.Verdict.values:
        raise ValidationError({"verdict": _("Approve or refuse.")})
    if len(note) > 500:
        raise ValidationError({"note": _("At most %(n)d characters.") % {"n": 500}})
    if leave.state != Leave.State.PENDING:
        raise ValidationError({"verdict": _("This request was already decided.")})
    if not permissions.may_decide(actor, leave):
        raise PermissionDenied(_("This step is not yours to decide."))
    if verdict == Decision.Verdict.REFUSED and not note:
        raise ValidationError({"note": _("Say why you refuse.")})
    Decision.objects.create(
        leave=leave,
        step=leave.step,
        role=leave.step_role,
        person=actor,
        verdict=verdict,
        note=note,
        at=now,
    )
    deadlines_cancel(
        subject_type=SUBJECT, subject_id=leave.pk, now=now, outcome="decided", kinds_in=[STEP_KIND]
    )
    data = {"step": leave.step, "role": leave.step_role, "note": note}
    if verdict == Decision.Verdict.REFUSED:
        leave.state, leave.decided_at = Leave.State.REFUSED, now
        leave.save(update_fields=["state", "decided_at"])
        event_record(actor=actor, subject=leave, verb="leave.refused", data=data, at=now)
        _tell_student(leave, kind="leave.refused", title=_("Your leave was refused"), now=now)
        return leave
    if leave.step + 1 < len(leave.chain):
        event_record(actor=actor, subject=leave, verb="leave.step_approved", data=data, at=now)
        leave.step += 1
        leave.step_role = leave.chain[leave.step]
        leave.save(update_fields=["step", "step_role"])
        _ask(leave, now)
        return leave
    leave.state, leave.decided_at = Leave.State.APPROVED, now
    leave.save(update_fields=["state", "decided_at"])
    event_record(actor=actor, subject=leave, verb="leave.approved", data=data, at=now)
    if leave.kind == Leave.Kind.LEAVE:
        deadlines_schedule(
            deadlines=[
                {
                    "kind": OVERDUE_KIND,
                    "subject_type": SUBJECT,
                    "subject_id": leave.pk,
                    "due_at": leave.end_at + datetime.timedelta(hours=chain().return_grace_hours),
                }
            ],
            now=now,
        )
    _tell_student(leave, kind="leave.approved", title=_("Your leave was approved"), now=now)
    return leave


@transaction.atomic
def leave_cancel(*, actor, leave: Leave, now=None) -> Leave:
    """The student withdraws a request still waiting, or an approved leave not yet begun."""
    now = now or timezone.now()
    leave = _locked(leave)
    student = student_of(actor)
    if student is None or student.pk != leave.student_id:
        raise PermissionDenied
    if not (
        leave.state == Leave.State.PENDING
        or (leave.state == Leave.State.APPROVED and leave.start_at > now)
    ):
        raise ValidationError({"state": _("Only a request not yet begun can be withdrawn.")})
    leave.state = Leave.State.CANCELLED
    leave.save(update_fields=["state"])
    deadlines_cancel(subject_type=SUBJECT, subject_id=leave.pk, now=now, outcome="withdrawn")
    event_record(actor=actor, subject=leave, verb="leave.cancelled", at=now)
    return leave


def _returned(leave, *, actor, how, at, now):
    leave.state, leave.returned_at, leave.returned_how = Leave.State.RETURNED, at, how
    leave.save(update_fields=["state", "returned_at", "returned_how"])
    deadlines_cancel(subject_type=SUBJECT, subject_id=leave.pk, now=now, outcome="returned")
    event_record(
        actor=actor,
        subject=leave,
        verb="leave.returned",
        data={"how": how, "at": at.isoformat(), "late": leave.overdue_at is not None},
        at=now,
    )
    # The report filed when they were late is resolved on its record (never deleted).
    if leave.overdue_report_id:
        report = Report.objects.filter(pk=leave.overdue_report_id).first()
        if report is not None:
            note = _("Back and closed (销假) %(at)s (%(how)s)") % {
                "at": timezone.localtime(at).strftime("%m-%d %H:%M"),
                "how": _("closed by the counsellor") if how == "counsellor" else how,
            }
            report_resolve_automatic(report=report, note=note, source=REPORT_SOURCE, now=now)


@transaction.atomic
def leave_return(*, actor, leave: Leave, now=None) -> Leave:
    """销假 by the counsellor: the student is back."""
    now = now or timezone.now()
    leave = _locked(leave)
    if leave.state != Leave.State.APPROVED:
        raise ValidationError({"state": _("Only an approved leave can be closed.")})
    if not permissions.may_close(actor, leave):
        raise PermissionDenied
    _returned(leave, actor=actor, how="counsellor", at=now, now=now)
    return leave


def leaves_return_on_checkin(*, checkins, now) -> int:
    """monitoring.hooks.register_on_checkin: a student seen on campus after their leave began is
    back (销假). Runs in the check-ins' transaction; one query finds the leaves."""
    first_seen: dict[int, tuple] = {}
    for student_id, at, source in checkins:
        if student_id not in first_seen or at < first_seen[student_id][0]:
            first_seen[student_id] = (at, source)
    if not first_seen:
        return 0
    leaves = (
        Leave.objects.select_for_update()
        .filter(
            state=Leave.State.APPROVED,
            kind=Leave.Kind.LEAVE,
            start_at__lte=max(at for at, _s in first_seen.values()),
        )
        .filter(student_id__any_of=list(first_seen))
    )
    closed = 0
    for leave in leaves:
        at, source = first_seen[leave.student_id]
        if at >= leave.start_at:
            _returned(leave, actor=None, how=str(source)[:40] or "checkin", at=at, now=now)
            closed += 1
    return closed


# ---- the engine's acts (registered in apps.py) ---------------------------------------------


def lock_leave(subject_id):
    return (
        # Only the leave row: student.user is nullable (an outer join PostgreSQL cannot lock).
        Leave.objects.select_for_update(of=("self",))
        .select_related("student__klass", "student__user")
        .filter(pk=subject_id)
        .first()
    )


def step_act(deadline, leave, now) -> str:
    """A step not decided in time: remind its approvers; the second time, tell the next role up
    as well (and give them a deadline no more: the record shows who was late)."""
    step, attempt = divmod(deadline.fence, 10)
    if leave.state != Leave.State.PENDING or step != leave.step:
        return "stale"
    holders = permissions.role_holders(leave.student, leave.step_role)
    if attempt == 0:
        _tell(
            leave,
            kind="leave.reminder",
            title=_("Reminder: leave waiting for your decision: %(student)s")
            % {"student": leave.student.name},
            recipients=holders,
            now=now,
        )
        deadlines_schedule(
            deadlines=[
                {
                    "kind": STEP_KIND,
                    "subject_type": SUBJECT,
                    "subject_id": leave.pk,
                    "fence": deadline.fence + 1,
                    "due_at": now + datetime.timedelta(hours=chain().escalate_hours),
                }
            ],
            now=now,
        )
        event_record(
            actor=None,
            subject=leave,
            verb="leave.step_reminded",
            data={"step": step, "role": leave.step_role, "to": [p.pk for p in holders]},
            at=now,
        )
        return "reminded"
    above = ESCALATE_TO.get(leave.step_role, "student_affairs_officer")
    told = permissions.role_holders(leave.student, above)
    _tell(
        leave,
        kind="leave.escalated",
        title=_("Leave not decided in time: %(student)s (waiting for %(role)s)")
        % {"student": leave.student.name, "role": permissions.role_label(leave.step_role)},
        recipients=told + holders,
        now=now,
    )
    event_record(
        actor=None,
        subject=leave,
        verb="leave.step_escalated",
        data={"step": step, "role": leave.step_role, "to_role": above, "to": [p.pk for p in told]},
        at=now,
    )
    return "escalated"


def overdue_act(deadline, leave, now) -> str:
    """The leave ended (plus grace) and the student is not back: a report about them."""
    if leave.state != Leave.State.APPROVED or leave.overdue_at is not None:
        return "stale"
    leave.overdue_at = now
    leave.save(update_fields=["overdue_at"])
    end = timezone.localtime(leave.end_at).strftime("%Y-%m-%d %H:%M")
    description = _(
        "%(name)s has not returned from leave (%(destination)s): due back %(end)s, not closed "
        "(销假) %(hours)d hours later."
    ) % {
        "name": leave.student.name,
        "destination": leave.destination or "—",
        "end": end,
        "hours": chain().return_grace_hours,
    }
    reported = reports_file_automatic(
        source=REPORT_SOURCE,
        items=[
            {
                "key": f"leave_overdue:{leave.pk}",
                "category": "missing_student",
                "severity": "general",
                "unit": leave.student.klass,
                "students": [leave.student],
                "occurred_at": min(leave.end_at, now),
                "place": leave.destination or "",
                "description": description,
            }
        ],
        now=now,
    )
    if reported:
        leave.overdue_report_id = reported[0].pk
        leave.save(update_fields=["overdue_report_id"])
    event_record(
        actor=None,
        subject=leave,
        verb="leave.overdue",
        data={"end_at": leave.end_at.isoformat(), "reports": [r.pk for r in reported]},
        at=now,
    )
    return "reported"


# ---- the auditor (registered in apps.py): every live obligation has its deadline -----------


def _deadlines(kind):
    return Deadline.objects.filter(
        kind=kind, subject_type=SUBJECT, subject_id=Cast(OuterRef("pk"), CharField())
    )


def leaves_without_deadline() -> list[int]:
    """Requests waiting at a step that has no deadline at all (neither reminder nor escalation),
    and approved leave never closed that has no overdue deadline: one anti-join each."""
    step = _deadlines(STEP_KIND).filter(
        fence__gte=OuterRef("step") * 10, fence__lte=OuterRef("step") * 10 + 1
    )
    waiting = Leave.objects.filter(state=Leave.State.PENDING).filter(~Exists(step))
    away = Leave.objects.filter(
        state=Leave.State.APPROVED, kind=Leave.Kind.LEAVE, overdue_at__isnull=True
    ).filter(~Exists(_deadlines(OVERDUE_KIND)))
    return sorted({*waiting.values_list("pk", flat=True), *away.values_list("pk", flat=True)})


def leaves_repair(*, now, **kwargs) -> int:
    """Put back the missing deadlines, on each leave's record."""
    repaired = 0
    for pk in leaves_without_deadline():
        with transaction.atomic():
            leave = lock_leave(pk)
            if leave is None:
                continue
            if leave.state == Leave.State.PENDING:
                kind, due = STEP_KIND, now
                deadline = {"fence": leave.step * 10}
            else:
                kind = OVERDUE_KIND
                due = max(now, leave.end_at + datetime.timedelta(hours=chain().return_grace_hours))
                deadline = {}
            deadlines_schedule(
                deadlines=[
                    {
                        "kind": kind,
                        "subject_type": SUBJECT,
                        "subject_id": leave.pk,
                        "due_at": due,
                        **deadline,
                    }
                ],
                now=now,
            )
            event_record(
                actor=None, subject=leave, verb="leave.deadline_restored", data={"kind": kind}
            )
            repaired += 1
    return repaired

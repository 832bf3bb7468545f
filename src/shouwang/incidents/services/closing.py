"""`incident_close`: refused while mandatory tasks are open; cancels the open tasks'
deadlines and runs what follows a closing (hooks.closed: the aftermath) in the same
transaction."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record
from shouwang.escalation.services import deadlines_cancel

from .. import hooks, permissions
from ..activation import TASK_SUBJECT
from ..models import Incident, Task
from .common import _require_open


def incident_close(*, actor, incident, summary: str, now=None) -> Incident:
    """Refused while mandatory tasks are open; the refusal lists them."""
    now = now or timezone.now()
    if not permissions.can_command(actor, incident):
        raise PermissionDenied
    _require_open(incident)
    open_tasks = list(
        incident.tasks.filter(state=Task.State.OPEN, mandatory=True).order_by("due_at")
    )
    if open_tasks:
        raise ValidationError(
            _("Cannot close: mandatory tasks are still open: %(tasks)s.")
            % {"tasks": "；".join(t.title for t in open_tasks)}
        )
    if not (summary or "").strip():
        raise ValidationError({"summary": [_("Write a short closing summary.")]})
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        incident.status, incident.closed_by, incident.closed_at = Incident.Status.CLOSED, actor, now
        incident.save(update_fields=["status", "closed_by", "closed_at"])
        for task_id in incident.tasks.filter(state=Task.State.OPEN).values_list("pk", flat=True):
            deadlines_cancel(
                subject_type=TASK_SUBJECT, subject_id=task_id, now=now, outcome="incident_closed"
            )
        event_record(
            actor=actor,
            subject=incident,
            verb="incident.closed",
            at=now,
            data={"summary": summary.strip()},
        )
        # What follows a closing (the aftermath and its review) commits with it, or neither does.
        hooks.closed(actor=actor, incident=incident, now=now)
    return incident

"""What the incident writes share: `incident_url` (the board), `_notify` (a message to
people, each once) and `_require_open` (a closed incident takes no more work)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shouwang.notify.services import message_send

from ..models import Incident


def incident_url(incident) -> str:
    return f"/incidents/{incident.pk}/"


def _notify(incident, people, kind, title, body, now):
    people = list({p.pk: p for p in people}.values())
    if people:
        message_send(
            subject_type="incidents.incident",
            subject_id=incident.pk,
            kind=kind,
            title=title,
            body=body,
            url=incident_url(incident),
            recipients=people,
            now=now,
        )


def _require_open(incident):
    if incident.status != Incident.Status.OPEN:
        raise ValidationError(_("This incident is closed."))

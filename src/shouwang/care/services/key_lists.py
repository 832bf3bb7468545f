"""The semester's key-student list for 保卫处 / the police liaison: `key_list_produce` (with
an acknowledgement deadline), `key_list_acknowledge`, `key_list_read_record`."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang import bounds
from shouwang.audit.services import event_record
from shouwang.escalation.services import deadlines_cancel, deadlines_schedule
from shouwang.notify.services import message_send

from .. import permissions
from ..models import CareFile, KeyList
from .common import KEY_LIST_ACK, KEY_LIST_ACK_DAYS, KEY_LIST_SUBJECT, _clean_text, _json


def key_list_produce(*, actor, term: str, starts_on, ends_on, receiver, now=None) -> KeyList:
    """The semester's key students (tier ≥ severe, or flagged) for 保卫处 / the police liaison;
    the receiver must acknowledge it (a Deadline)."""
    now = now or timezone.now()
    if not permissions.may_produce_key_list(actor):
        raise PermissionDenied
    errors: dict = {}
    term = _clean_text(term, limit=40, field="term", required=True, errors=errors)
    for name, value in (("starts_on", starts_on), ("ends_on", ends_on)):
        if value is None:
            errors[name] = [_("This field is required.")]
        else:
            try:
                bounds.check_date(value)
            except ValidationError as exc:
                errors[name] = exc.messages
    if not errors and ends_on < starts_on:
        errors["ends_on"] = [_("The semester must end after it starts.")]
    if receiver is None or not receiver.is_active:
        errors["receiver"] = [_("Choose an active person.")]
    if errors:
        raise ValidationError(errors)
    files = (
        CareFile.objects.filter_key()
        .select_related("student__klass__parent__parent", "owner")
        .order_by("student__klass__path", "student__student_no")
    )
    rows = [
        {
            "student_no": f.student.student_no,
            "name": f.student.name,
            "class": f.student.klass.name,
            "tier": f.tier,
            "owner": f.owner.display_name if f.owner else "",
        }
        for f in files
    ]
    with transaction.atomic():
        key_list = KeyList.objects.create(
            term=term,
            starts_on=starts_on,
            ends_on=ends_on,
            produced_by=actor,
            produced_at=now,
            receiver=receiver,
            rows=_json(rows),
            count=len(rows),
            ack_due_at=now + datetime.timedelta(days=KEY_LIST_ACK_DAYS),
        )
        deadlines_schedule(
            deadlines=[
                {
                    "kind": KEY_LIST_ACK,
                    "subject_type": KEY_LIST_SUBJECT,
                    "subject_id": key_list.pk,
                    "due_at": key_list.ack_due_at,
                }
            ],
            now=now,
        )
        event_record(
            actor=actor,
            subject=key_list,
            verb="care.key_list_produced",
            data={"term": term, "count": len(rows), "receiver_id": receiver.pk},
            at=now,
        )
        message_send(
            subject_type="care.keylist",
            subject_id=key_list.pk,
            kind="care.key_list",
            title=_("Key-student list to receive"),
            body=_(
                "The psychological centre sent you the key-student list of %(term)s; "
                "acknowledge receiving it."
            )
            % {"term": term},
            url=f"/care/key-lists/{key_list.pk}/",
            recipients=[receiver],
            now=now,
        )
    return key_list


def key_list_acknowledge(*, actor, key_list, now=None) -> KeyList:
    now = now or timezone.now()
    if actor.pk != key_list.receiver_id:
        raise PermissionDenied
    with transaction.atomic():
        key_list = KeyList.objects.select_for_update().get(pk=key_list.pk)
        if key_list.acknowledged_at is None:
            key_list.acknowledged_at = now
            key_list.save(update_fields=["acknowledged_at"])
            deadlines_cancel(
                subject_type=KEY_LIST_SUBJECT, subject_id=key_list.pk, now=now, outcome="done"
            )
            event_record(actor=actor, subject=key_list, verb="care.key_list_acknowledged", at=now)
    return key_list


def key_list_read_record(*, actor, key_list, via: str, now=None) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        event_record(
            actor=actor, subject=key_list, verb="care.key_list_read", data={"via": via}, at=now
        )

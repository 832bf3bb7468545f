"""Creating and cancelling deliveries. Sending happens in the delivery sweep, never here:
the rows are written in the caller's transaction, so a crash cannot lose a notification."""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q

from shouwang.accounts.models import User
from shouwang.audit.services import event_record, rows_insert, subject_key

from .models import Channel, Delivery, Message, NotificationRule

# Without personal rules: inbox and email at once, SMS five minutes later if still unacknowledged.
# A school changes its default with SHOUWANG_NOTIFY_DEFAULT_RULES (settings.NOTIFY_DEFAULT_RULES),
# e.g. "wecom_app:0,sms:5" where staff watch 企业微信.
DEFAULT_RULES = [(Channel.INAPP, 0), (Channel.EMAIL, 0), (Channel.SMS, 5)]


def default_rules() -> list[tuple[str, int]]:
    """The school's default (settings.NOTIFY_DEFAULT_RULES), or DEFAULT_RULES."""
    from django.conf import settings

    configured = getattr(settings, "NOTIFY_DEFAULT_RULES", None)
    return [(Channel(c), int(w)) for c, w in configured] if configured else list(DEFAULT_RULES)


def rules_for(person) -> list[tuple[str, int]]:
    """[(channel, minutes after the previous)] for a person; in-app is always first and
    immediate."""
    return _with_inapp([(r.channel, r.wait_minutes) for r in person.notification_rules.all()])


# A person who chose "only the inbox" has exactly one stored rule, for the in-app channel: no
# stored rules at all means "the defaults", so the choice needs a row of its own to be kept.
INBOX_ONLY = [(Channel.INAPP, 0)]


def _with_inapp(rules):
    """Stored rules (or the defaults when there are none) with the inbox first and immediate."""
    rules = [(c, w) for c, w in (rules or default_rules()) if c != Channel.INAPP]
    return [(Channel.INAPP, 0), *rules]


def _key(message_id, person_id, channel) -> str:
    return hashlib.sha256(f"{message_id}:{person_id}:{channel}".encode()).hexdigest()[:40]


TITLE_MAX = 200  # Message.title's max_length


@dataclass
class Outgoing:
    """A message to store: what it is about, its text, and who receives it."""

    subject_type: str
    subject_id: str
    kind: str
    title: str
    body: str
    url: str
    recipients: list

    def __post_init__(self):
        # A prefix ("[Plan activated] plan (level): ") on a 200-character incident title must
        # not overflow the message's title column: shorten, never fail the change it announces.
        if len(self.title) > TITLE_MAX:
            self.title = self.title[: TITLE_MAX - 1] + "…"


def messages_send(items: list[Outgoing], *, now) -> list[int]:
    """Store many messages and their deliveries in a few statements (a sweep escalating hundreds
    of reports, a plan activation); returns the messages' ids. Must run inside the caller's
    transaction."""
    items = [item for item in items if item.recipients]
    if not items:
        return []
    message_ids = rows_insert(
        Message,
        [
            {
                "kind": i.kind,
                "subject_type": i.subject_type,
                "subject_id": str(i.subject_id),
                "title": i.title,
                "body": i.body,
                "url": i.url,
                "created_at": now,
            }
            for i in items
        ],
        ids=True,
    )
    people = {p.pk for i in items for p in i.recipients}
    stored: dict[int, list[tuple[str, int]]] = {}
    for rule in NotificationRule.objects.filter(person_id__any_of=people).order_by(
        "person_id", "position"
    ):
        stored.setdefault(rule.person_id, []).append((rule.channel, rule.wait_minutes))
    deliveries = []
    for message_id, item in zip(message_ids, items, strict=True):
        for person in {p.pk: p for p in item.recipients}.values():
            offset = 0
            for channel, wait in _with_inapp(stored.get(person.pk)):
                offset += wait
                inapp = channel == Channel.INAPP
                deliveries.append(
                    {
                        "message_id": message_id,
                        "recipient_id": person.pk,
                        "channel": channel,
                        # The inbox is this database: an in-app delivery is delivered when it is
                        # written.
                        "state": Delivery.State.SENT if inapp else Delivery.State.PENDING,
                        "sent_at": now if inapp else None,
                        "next_attempt_at": now + timedelta(minutes=offset),
                        "idempotency_key": _key(message_id, person.pk, channel),
                        "created_at": now,
                    }
                )
    rows_insert(Delivery, deliveries)
    return message_ids


def message_send(
    *,
    subject_type: str,
    subject_id,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    recipients,
    now,
) -> int:
    """Store a message and its deliveries; returns the message's id. Must run inside the
    caller's transaction."""
    item = Outgoing(subject_type, str(subject_id), kind, title, body, url, list(recipients))
    if not item.recipients:
        return Message.objects.create(
            kind=kind,
            subject_type=subject_type,
            subject_id=str(subject_id),
            title=item.title,
            body=body,
            url=url,
            created_at=now,
        ).pk
    return messages_send([item], now=now)[0]


def sms_send_now(*, person, subject_type: str, subject_id, kind: str, title: str, now) -> int:
    """One SMS to one person, due now, whatever their rules say (a one-time sign-in code: the
    inbox is no use to someone not signed in). Goes out through the delivery sweep like every
    other. Must run inside the caller's transaction; returns the message's id."""
    item = Outgoing(subject_type, str(subject_id), kind, title, "", "", [person])
    message_id = rows_insert(
        Message,
        [
            {
                "kind": kind,
                "subject_type": subject_type,
                "subject_id": str(subject_id),
                "title": item.title,
                "body": "",
                "url": "",
                "created_at": now,
            }
        ],
        ids=True,
    )[0]
    Delivery.objects.create(
        message_id=message_id,
        recipient=person,
        channel=Channel.SMS,
        state=Delivery.State.PENDING,
        next_attempt_at=now,
        idempotency_key=_key(message_id, person.pk, Channel.SMS),
        created_at=now,
    )
    return message_id


def deliveries_cancel(*, subject_type: str, subject_id, person=None, now) -> int:
    """An acknowledgement on any channel stops what is still waiting (for one person, or all)."""
    qs = Delivery.objects.filter(
        message__subject_type=subject_type,
        message__subject_id=str(subject_id),
        state=Delivery.State.PENDING,
    )
    if person is not None:
        qs = qs.filter(recipient=person)
    return qs.update(
        state=Delivery.State.CANCELLED, last_error="cancelled: acknowledged", claimed_at=now
    )


def inbox_mark_read(*, person, delivery_ids, now) -> int:
    return Delivery.objects.filter(
        Q(pk__in=delivery_ids),
        recipient=person,
        channel=Channel.INAPP,
        read_at__isnull=True,
    ).update(read_at=now)


def inbox_mark_read_about(*, person, subject_type: str, subject_id, now) -> int:
    """Everything in a person's inbox about one subject is read: they acknowledged it."""
    return Delivery.objects.filter(
        message__subject_type=subject_type,
        message__subject_id=str(subject_id),
        recipient=person,
        channel=Channel.INAPP,
        read_at__isnull=True,
    ).update(read_at=now)


def notification_rules_set(*, actor, rules: list[tuple[str, int]]) -> list:
    """Replace a person's own rules: channels in order, each with minutes to wait after the
    previous. The in-app inbox is always first and needs no rule; no channels at all means
    "only the inbox" (stored as INBOX_ONLY), not the defaults."""
    from django.core.exceptions import ValidationError
    from django.db import transaction
    from django.utils.translation import gettext as _

    allowed = [c for c in Channel.values if c != Channel.INAPP]
    errors = []
    for n, (channel, wait) in enumerate(rules, start=1):
        if channel not in allowed:
            errors.append(_("Row %(n)d: choose a channel.") % {"n": n})
        if not isinstance(wait, int) or not 0 <= wait <= 120:
            errors.append(_("Row %(n)d: wait 0 to 120 minutes.") % {"n": n})
    if len({c for c, _w in rules}) != len(rules):
        errors.append(_("Each channel may appear once."))
    if errors:
        raise ValidationError(errors)
    stored = rules or INBOX_ONLY
    with transaction.atomic():
        NotificationRule.objects.filter(person=actor).delete()
        created = NotificationRule.objects.bulk_create(
            [
                NotificationRule(person=actor, position=i, channel=c, wait_minutes=w)
                for i, (c, w) in enumerate(stored)
            ]
        )
        event_record(
            actor=actor,
            subject=actor,
            verb="notification_rules.changed",
            data={"rules": [[c, w] for c, w in stored]},
        )
    return created


def notification_rules_reset(*, actor) -> None:
    """Go back to the defaults (DEFAULT_RULES): the person's own rules are removed."""
    from django.db import transaction

    with transaction.atomic():
        removed, _by_model = NotificationRule.objects.filter(person=actor).delete()
        if removed:  # already on the defaults: nothing changed, nothing to record
            event_record(
                actor=actor,
                subject=actor,
                verb="notification_rules.changed",
                data={"rules": [[c, w] for c, w in default_rules()], "default": True},
            )


def delivery_fall_back(*, delivery, reason: str, now) -> int:
    """A work-app message could not reach the person (no user id, the app refused them): their
    next waiting channel for the same message goes out now instead of after its wait, on the
    record. Returns the delivery id brought forward (0: there was none). Runs inside the
    caller's transaction (the sweep's recording one)."""
    following = (
        Delivery.objects.filter(
            message_id=delivery.message_id,
            recipient_id=delivery.recipient_id,
            state=Delivery.State.PENDING,
        )
        .exclude(pk=delivery.pk)
        .order_by("next_attempt_at", "pk")
        .first()
    )
    message = delivery.message
    event_record(
        actor=None,
        subject=(message.subject_type, message.subject_id),
        verb="delivery.fell_back",
        at=now,
        data={
            "delivery": delivery.pk,
            "channel": delivery.channel,
            "recipient": delivery.recipient_id,
            "reason": reason[:200],
            "next_channel": following.channel if following else None,
            "next_delivery": following.pk if following else None,
        },
    )
    if following is None:
        return 0
    if following.next_attempt_at > now:
        Delivery.objects.filter(pk=following.pk, state=Delivery.State.PENDING).update(
            next_attempt_at=now
        )
    return following.pk


def administrators_alert(*, kind: str, subject, title: str, body: str, url: str, now) -> int:
    """Tell the active administrators in their inbox (only there: the channel that broke may be
    one of theirs). Runs inside the caller's transaction; returns the message's id."""
    subject_type, subject_id = subject_key(subject)
    message = Message.objects.create(
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        title=title[:200],
        body=body,
        url=url,
        created_at=now,
    )
    admins = list(
        User.objects.filter(is_superuser=True, is_active=True).values_list("pk", flat=True)
    )
    Delivery.objects.bulk_create(
        [
            Delivery(
                message=message,
                recipient_id=pk,
                channel=Channel.INAPP,
                state=Delivery.State.SENT,
                sent_at=now,
                next_attempt_at=now,
                idempotency_key=_key(message.pk, pk, Channel.INAPP),
                created_at=now,
            )
            for pk in admins
        ]
    )
    return message.pk

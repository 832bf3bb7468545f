"""Sending the outbox: claim, send outside any transaction, record.

At least once: a delivery is marked sent only after the provider answered, and every request
carries the delivery's idempotency key so a provider (or webhook receiver) can drop a repeat.
A worker killed between claim and record leaves the row "sending"; after
NOTIFY_CLAIM_TIMEOUT it is reclaimed and sent again under the same key."""

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shouwang.audit.services import event_record

from .models import Delivery
from .providers import PermanentError, Rendered, Skip, TemporaryError, provider_for

log = logging.getLogger("shouwang.notify")


def backoff(attempts: int, rng=random) -> timedelta:
    """30 s, 60 s, 120 s … capped at an hour, ±20 % jitter so retries don't arrive in lockstep."""
    base = min(settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), 3600)
    return timedelta(seconds=base * rng.uniform(0.8, 1.2))


def _reclaim_stale(now):
    stale = now - timedelta(seconds=settings.NOTIFY_CLAIM_TIMEOUT_SECONDS)
    return Delivery.objects.filter(state=Delivery.State.SENDING, claimed_at__lt=stale).update(
        state=Delivery.State.PENDING, claimed_by="", last_error="reclaimed: the sending worker stopped")


def _sent_last_minute(channel, now):
    return Delivery.objects.filter(channel=channel, state__in=[Delivery.State.SENT, Delivery.State.SENDING],
                                   claimed_at__gte=now - timedelta(minutes=1)).count()


def _render(delivery, now) -> Rendered:
    message = delivery.message
    site = settings.SITE_URL.rstrip("/")
    ack_url = ""
    if message.kind == "report.ack_request" and message.subject_type == "reports.report":
        from shouwang.reports.acklinks import ack_link_create
        from shouwang.reports.models import Recipient

        recipient = (Recipient.objects.filter(report_id=message.subject_id, person=delivery.recipient,
                                              purpose=Recipient.Purpose.ACK).order_by("-step").first())
        if recipient is not None:
            with transaction.atomic():
                ack_url = ack_link_create(recipient=recipient, now=now)
    return Rendered(title=message.title, body=message.body, url=site + message.url, ack_url=ack_url)


def _record(delivery, verb, data, now):
    message = delivery.message
    event_record(actor=None, subject=(message.subject_type, message.subject_id), verb=verb, at=now,
                 data={"channel": delivery.channel, "recipient": delivery.recipient_id, "attempts": delivery.attempts,
                       "delivery": delivery.pk, **data})


def send_one(delivery, now):
    """Send a claimed delivery and record the outcome. Never raises for provider trouble."""
    try:
        rendered = _render(delivery, now)
        reference = provider_for(delivery.channel)(delivery, rendered)
    except Skip as exc:
        with transaction.atomic():
            Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.CANCELLED, last_error=str(exc)[:480])
        return "skipped"
    except TemporaryError as exc:
        with transaction.atomic():
            if delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
                Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.FAILED, last_error=str(exc))
                _record(delivery, "delivery.failed", {"error": str(exc)}, now)
                return "failed"
            Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.SENDING).update(
                state=Delivery.State.PENDING, next_attempt_at=now + backoff(delivery.attempts), last_error=str(exc))
        return "retry"
    except PermanentError as exc:
        with transaction.atomic():
            Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.FAILED, last_error=str(exc))
            _record(delivery, "delivery.failed", {"error": str(exc)}, now)
        return "failed"
    with transaction.atomic():
        # Recorded as sent even if an acknowledgement cancelled it meanwhile: it did go out,
        # and the record must say what happened.
        Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.SENT, sent_at=timezone.now(),
                                                       last_error="", claimed_by=str(reference)[:100])
        _record(delivery, "delivery.sent", {}, now)
    return "sent"


def delivery_sweep(*, now=None, worker_id="worker", limit=100) -> int:
    now = now or timezone.now()
    _reclaim_stale(now)
    due = list(Delivery.objects.filter(state=Delivery.State.PENDING, next_attempt_at__lte=now)
               .order_by("next_attempt_at").values_list("pk", "channel")[:limit])
    budget = {}
    sent = 0
    for pk, channel in due:
        if channel not in budget:
            budget[channel] = settings.NOTIFY_RATE_PER_MINUTE.get(channel, 600) - _sent_last_minute(channel, now)
        if budget[channel] <= 0:
            continue  # this channel's rate limit is spent: the rest wait for the next minute
        with transaction.atomic():
            claimed = Delivery.objects.filter(pk=pk, state=Delivery.State.PENDING).update(
                state=Delivery.State.SENDING, claimed_by=worker_id, claimed_at=now, attempts=F("attempts") + 1)
        if not claimed:
            continue
        budget[channel] -= 1
        delivery = Delivery.objects.select_related("message", "recipient").get(pk=pk)
        if send_one(delivery, now) == "sent":
            sent += 1
    return sent



"""Sending the outbox: claim, send outside any transaction, record.

At least once: a delivery is marked sent only after the provider answered, and every request
carries the delivery's idempotency key so a provider (or webhook receiver) can drop a repeat.
Due deliveries are claimed together (one compare-and-set with a batch token), sent one by one,
and their outcomes recorded together in one transaction. A worker killed between claim and
record leaves its rows "sending"; after NOTIFY_CLAIM_TIMEOUT they are reclaimed (delivery_reclaim)
and sent again under the same keys."""

import logging
import random
import uuid
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shouwang.audit.services import batched_events, event_record
from shouwang.notify.services import delivery_fall_back

from . import hooks
from .models import WORK_APP_CHANNELS, Delivery
from .providers import (
    Accepted,
    PermanentError,
    Rendered,
    Skip,
    TemporaryError,
    provider_for,
    skip_reason,
)

log = logging.getLogger("shouwang.notify")
RECLAIM_SECONDS = 30


def backoff(attempts: int, rng=random) -> timedelta:
    """30 s, 60 s, 120 s … capped at an hour, ±20 % jitter so retries don't arrive in lockstep."""
    base = min(settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), 3600)
    return timedelta(seconds=base * rng.uniform(0.8, 1.2))


def delivery_reclaim(*, now) -> int:
    """Put deliveries left "sending" by a killed worker back to pending (sent again under the
    same keys). The worker runs this every RECLAIM_SECONDS, not every tick: a claim only goes
    stale after NOTIFY_CLAIM_TIMEOUT (2 minutes by default)."""
    stale = now - timedelta(seconds=settings.NOTIFY_CLAIM_TIMEOUT_SECONDS)
    return Delivery.objects.filter(state=Delivery.State.SENDING, claimed_at__lt=stale).update(
        state=Delivery.State.PENDING,
        claimed_by="",
        last_error="reclaimed: the sending worker stopped",
    )


def _sent_last_minute(channel, now):
    busy = [Delivery.State.SENT, Delivery.State.SENDING, Delivery.State.ACCEPTED]
    return Delivery.objects.filter(
        channel=channel, state__in=busy, claimed_at__gte=now - timedelta(minutes=1)
    ).count()


def _render_all(deliveries, now) -> dict:
    """delivery pk → Rendered. Messages of a kind with registered action links (a report's
    request to acknowledge) carry a one-tap link, stored in one transaction."""
    site = settings.SITE_URL.rstrip("/")
    by_kind = defaultdict(list)
    for delivery in deliveries:
        if delivery.message.kind in hooks.ACTION_LINKS:
            by_kind[delivery.message.kind].append(delivery)
    links: dict[int, str] = {}
    with transaction.atomic():
        for kind, of_kind in by_kind.items():
            links.update(hooks.ACTION_LINKS[kind](of_kind, now))
    return {
        d.pk: Rendered(
            title=d.message.title,
            body=d.message.body,
            url=site + d.message.url,
            ack_url=links.get(d.pk, ""),
        )
        for d in deliveries
    }


def _send(delivery, rendered) -> tuple[str, str]:
    """Call the provider; (outcome, detail): ("sent", reference), ("skipped" | "retry" | "failed",
    error). Never raises: one broken delivery must not keep the batch's outcomes unrecorded."""
    try:
        reference = provider_for(delivery.channel)(delivery, rendered)
        return ("accepted" if isinstance(reference, Accepted) else "sent"), str(reference)[:100]
    except Skip as exc:
        return "skipped", str(exc)[:480]
    except TemporaryError as exc:
        return ("failed" if delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS else "retry"), str(
            exc
        )
    except PermanentError as exc:
        return "failed", str(exc)
    except Exception as exc:  # a bug, not the provider: try again later like a temporary error
        # The type only: an unexpected error's text may carry a robot URL with its key in it.
        log.error("sending delivery %s failed: %s", delivery.pk, type(exc).__name__)
        return "retry", f"internal error ({type(exc).__name__})"


def _record(delivery, outcome, detail, sent_at, now):
    """Store one outcome; runs in the batch's recording transaction."""
    rows = Delivery.objects.filter(pk=delivery.pk)
    message = delivery.message
    event = {
        "channel": delivery.channel,
        "recipient": delivery.recipient_id,
        "attempts": delivery.attempts,
        "delivery": delivery.pk,
    }
    if outcome in ("skipped", "failed") and delivery.channel in WORK_APP_CHANNELS:
        delivery_fall_back(delivery=delivery, reason=detail, now=now)
    if outcome == "skipped":
        rows.update(state=Delivery.State.CANCELLED, last_error=detail)
    elif outcome == "retry":
        rows.filter(state=Delivery.State.SENDING).update(
            state=Delivery.State.PENDING,
            next_attempt_at=now + backoff(delivery.attempts),
            last_error=detail,
        )
    elif outcome == "failed":
        rows.update(state=Delivery.State.FAILED, last_error=detail)
        event_record(
            actor=None,
            subject=(message.subject_type, message.subject_id),
            verb="delivery.failed",
            at=now,
            data={**event, "error": detail},
        )
    elif outcome == "accepted":  # the provider answers later (dingtalk_app.results_poll)
        rows.update(
            state=Delivery.State.ACCEPTED, sent_at=sent_at, last_error="", claimed_by=detail
        )
        event_record(
            actor=None,
            subject=(message.subject_type, message.subject_id),
            verb="delivery.accepted",
            at=now,
            data=event,
        )
    else:
        # Recorded as sent even if an acknowledgement cancelled it meanwhile: it did go out,
        # and the record must say what happened.
        rows.update(state=Delivery.State.SENT, sent_at=sent_at, last_error="", claimed_by=detail)
        event_record(
            actor=None,
            subject=(message.subject_type, message.subject_id),
            verb="delivery.sent",
            at=now,
            data=event,
        )


def delivery_sweep(*, now=None, worker_id="worker", limit=100) -> int:
    """Send up to `limit` due deliveries, each channel within its rate limit; returns how many
    were sent."""
    now = now or timezone.now()
    due = list(
        Delivery.objects.filter(state=Delivery.State.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", "channel")[:limit]
    )
    budget, picked = {}, []
    for pk, channel in due:
        if channel not in budget:
            budget[channel] = settings.NOTIFY_RATE_PER_MINUTE.get(channel, 600) - _sent_last_minute(
                channel, now
            )
        if budget[channel] > 0:  # a spent channel's deliveries wait for the next minute
            budget[channel] -= 1
            picked.append(pk)
    if not picked:
        return 0
    # Compare-and-set with this batch's token: rows another worker claimed first are not ours.
    token = f"{worker_id}:{uuid.uuid4().hex[:12]}"
    Delivery.objects.filter(pk__in=picked, state=Delivery.State.PENDING).update(
        state=Delivery.State.SENDING, claimed_by=token, claimed_at=now, attempts=F("attempts") + 1
    )
    deliveries = list(
        Delivery.objects.filter(claimed_by=token, state=Delivery.State.SENDING)
        .select_related("message", "recipient")
        .order_by("next_attempt_at", "pk")
    )
    if not deliveries:
        return 0
    # What cannot go out at all (channel not configured, no address) is cancelled together,
    # without minting a one-tap link nobody will receive.
    unsendable = defaultdict(list)
    for delivery in deliveries:
        if reason := skip_reason(delivery):
            unsendable[reason[:480]].append(delivery.pk)
    skipped = {pk for pks in unsendable.values() for pk in pks}
    deliveries = [d for d in deliveries if d.pk not in skipped]
    rendered = _render_all(deliveries, now)
    outcomes = []
    for delivery in deliveries:
        outcome, detail = _send(delivery, rendered[delivery.pk])
        outcomes.append((delivery, outcome, detail, timezone.now()))
    with transaction.atomic(), batched_events():
        for reason, pks in unsendable.items():
            Delivery.objects.filter(pk__in=pks).update(
                state=Delivery.State.CANCELLED, last_error=reason
            )
        for delivery, outcome, detail, sent_at in outcomes:
            _record(delivery, outcome, detail, sent_at, now)
    return sum(1 for _d, outcome, _detail, _at in outcomes if outcome in ("sent", "accepted"))

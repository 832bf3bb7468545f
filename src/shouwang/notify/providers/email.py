from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from .base import Skip, TemporaryError, scrub


def skip_reason(delivery) -> str:
    """Why this delivery cannot go out at all ("" when it can), decided without the network."""
    if not settings.EMAIL_HOST:
        return "email not configured (SHOUWANG_EMAIL_HOST)"
    return "" if delivery.recipient.email else "no email address"


def send(delivery, rendered):
    if reason := skip_reason(delivery):
        raise Skip(reason)
    address = delivery.recipient.email
    message = EmailMessage(
        subject=rendered.title,
        body=rendered.text,
        to=[address],
        # The idempotency key as Message-ID lets a mail server drop a retried duplicate.
        headers={"Message-ID": f"<{delivery.idempotency_key}@shouwang>"},
        connection=get_connection(timeout=settings.NOTIFY_HTTP_TIMEOUT),
    )
    try:
        message.send()
    except Exception as exc:  # SMTP errors, refused connections: try again later
        raise TemporaryError(scrub(f"smtp: {exc}", settings.EMAIL_HOST_PASSWORD)) from None
    return f"<{delivery.idempotency_key}@shouwang>"

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from .base import Skip, TemporaryError, scrub


def send(delivery, rendered):
    if not settings.EMAIL_HOST:
        raise Skip("email not configured (SHOUWANG_EMAIL_HOST)")
    address = delivery.recipient.email
    if not address:
        raise Skip("no email address")
    message = EmailMessage(
        subject=rendered.title, body=rendered.text, to=[address],
        # The idempotency key as Message-ID lets a mail server drop a retried duplicate.
        headers={"Message-ID": f"<{delivery.idempotency_key}@shouwang>"},
        connection=get_connection(timeout=settings.NOTIFY_HTTP_TIMEOUT),
    )
    try:
        message.send()
    except Exception as exc:  # SMTP errors, refused connections: try again later
        raise TemporaryError(scrub(f"smtp: {exc}", settings.EMAIL_HOST_PASSWORD)) from None
    return f"<{delivery.idempotency_key}@shouwang>"

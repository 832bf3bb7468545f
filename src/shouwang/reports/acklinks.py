"""One-tap acknowledgement links: the URL carries a signed (recipient, nonce) pair; the nonce is
stored hashed, used once, and expires. A leaked old link acknowledges nothing."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.services import event_record

from .models import AckLink, Recipient
from .services import report_acknowledge

SALT = "shouwang.reports.ack"


def _hash(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


def ack_link_create(*, recipient: Recipient, now=None) -> str:
    """Returns the absolute URL to put in a message. Call inside the sending transaction."""
    now = now or timezone.now()
    nonce = secrets.token_urlsafe(24)
    AckLink.objects.create(
        recipient=recipient,
        nonce_hash=_hash(nonce),
        created_at=now,
        expires_at=now + timedelta(hours=settings.ACK_LINK_HOURS),
    )
    token = signing.dumps({"r": recipient.pk, "n": nonce}, salt=SALT, compress=True)
    return f"{settings.SITE_URL.rstrip('/')}/ack/{token}/"


def ack_links_for(deliveries, now) -> dict[int, str]:
    """notify's action-link hook for "report.ack_request" messages: delivery pk → one-tap link,
    made from the recipient's latest receipt for the report (one query for the batch)."""
    wanted = {
        (d.message.subject_id, d.recipient_id)
        for d in deliveries
        if d.message.subject_type == "reports.report"
    }
    if not wanted:
        return {}
    latest = {}
    for receipt in Recipient.objects.filter(
        report_id__in={int(r) for r, _p in wanted},
        person_id__in={p for _r, p in wanted},
        purpose=Recipient.Purpose.ACK,
    ).order_by("step"):
        latest[(str(receipt.report_id), receipt.person_id)] = receipt
    links = {}
    for delivery in deliveries:
        receipt = latest.get((delivery.message.subject_id, delivery.recipient_id))
        if receipt is not None:
            links[delivery.pk] = ack_link_create(recipient=receipt, now=now)
    return links


def ack_link_check(token: str, *, now=None) -> AckLink:
    """The link's row if it is genuine, unused and unexpired; otherwise a Chinese
    ValidationError."""
    now = now or timezone.now()
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise ValidationError(
            _("This acknowledgement link is not valid."), code="invalid"
        ) from None
    link = (
        AckLink.objects.select_related("recipient", "recipient__report", "recipient__person")
        .filter(recipient_id=payload.get("r"), nonce_hash=_hash(str(payload.get("n"))))
        .first()
    )
    if link is None:
        raise ValidationError(_("This acknowledgement link is not valid."), code="invalid")
    if link.used_at is not None:
        raise ValidationError(_("This acknowledgement link has already been used."), code="used")
    if link.expires_at <= now:
        raise ValidationError(
            _("This acknowledgement link has expired; acknowledge in the inbox instead."),
            code="expired",
        )
    return link


def ack_link_use(*, token: str, note: str = "", now=None):
    """Acknowledge through a link. Single use is enforced by a compare-and-set on used_at; the
    acknowledgement itself goes through the one entry point, services.report_acknowledge."""
    now = now or timezone.now()
    link = ack_link_check(token, now=now)
    with transaction.atomic():
        if AckLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now) != 1:
            raise ValidationError(
                _("This acknowledgement link has already been used."), code="used"
            )
        recipient = link.recipient
        if recipient.purpose != Recipient.Purpose.ACK or not recipient.person.is_active:
            raise PermissionDenied
        event_record(
            actor=recipient.person,
            subject=recipient.report,
            verb="ack_link.used",
            at=now,
            data={"recipient": recipient.pk},
        )
        return report_acknowledge(
            actor=recipient.person, report=recipient.report, channel="link", note=note, now=now
        )

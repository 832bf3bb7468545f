import hashlib
import hmac
import json
import time

from shouwang.notify.models import WebhookEndpoint

from .base import Skip, request_json


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return (
        "sha256="
        + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    )


def send(delivery, rendered):
    endpoints = list(WebhookEndpoint.objects.filter(is_active=True))
    if not endpoints:
        raise Skip("no webhook endpoint configured")
    person = delivery.recipient
    payload = {
        "id": delivery.idempotency_key,
        "kind": delivery.message.kind,
        "subject": {"type": delivery.message.subject_type, "id": delivery.message.subject_id},
        "title": rendered.title,
        "body": rendered.body,
        "url": rendered.url,
        "ack_url": rendered.ack_url,
        "recipient": {
            "id": person.pk,
            "name": person.display_name,
            "staff_no": person.staff_no,
            "phone": person.phone,
        },
    }
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    for endpoint in endpoints:
        # Every endpoint gets the same key: after a partial failure the retry repeats the ones
        # that succeeded, and they drop it by Idempotency-Key.
        timestamp = str(int(time.time()))
        request_json(
            endpoint.url,
            data=body,
            method="POST",
            secrets=(endpoint.secret,),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Idempotency-Key": delivery.idempotency_key,
                "X-Shouwang-Timestamp": timestamp,
                "X-Shouwang-Signature": signature(endpoint.secret, timestamp, body),
            },
        )
    return f"webhook:{len(endpoints)}"

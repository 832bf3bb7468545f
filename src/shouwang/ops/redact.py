"""Secrets that travel in URLs stay out of the logs: a one-tap acknowledgement link
(/ack/<token>/) and a guardian's verification link (/talks/guardian/<token>/) are bearer
credentials until used or expired, and an SMS provider's inbound callback carries the shared
secret as `?key=` (provider consoles take only a URL), so the access log and Django's request
log record those paths without them."""

import logging
import re

from gunicorn.glogging import Logger

ACK_TOKEN = re.compile(r"(/ack/|/talks/guardian/)[^/?#\s\"']+")
# Any `key=` parameter: gunicorn's atoms also hold the query string alone ("key=…").
INBOUND_KEY = re.compile(r"((?:^|[?&])key=)[^&#\s\"']+")
MARKERS = ("/ack/", "/talks/guardian/", "key=")


def redact(text: str) -> str:
    return INBOUND_KEY.sub(r"\1[key]", ACK_TOKEN.sub(r"\1[token]", text))


class RedactingAccessLogger(Logger):
    """gunicorn's logger (serve.py passes it as --logger-class) with tokens taken out of every
    atom: the request line, the path, the referer and the headers."""

    def atoms(self, resp, req, environ, request_time):
        return {
            k: redact(v) if isinstance(v, str) else v
            for k, v in super().atoms(resp, req, environ, request_time).items()
        }


class RedactingFilter(logging.Filter):
    """For Django's loggers ("Not Found: /ack/…" from django.request)."""

    def filter(self, record):
        texts = [str(record.msg), *(str(a) for a in (record.args or ()))]
        if any(marker in text for text in texts for marker in MARKERS):
            record.msg = redact(record.getMessage())
            record.args = ()
        return True

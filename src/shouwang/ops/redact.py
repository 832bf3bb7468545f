"""Secrets that travel in URLs stay out of the logs: a one-tap acknowledgement link
(/ack/<token>/) is a bearer credential until it is used or expires, so the access log and
Django's request log record its path without the token."""

import logging
import re

from gunicorn.glogging import Logger

ACK_TOKEN = re.compile(r"(/ack/)[^/?#\s\"']+")


def redact(text: str) -> str:
    return ACK_TOKEN.sub(r"\1[token]", text)


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
        if "/ack/" in str(record.msg) or any("/ack/" in str(a) for a in (record.args or ())):
            record.msg = redact(record.getMessage())
            record.args = ()
        return True

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings


class TemporaryError(Exception):
    """Worth retrying: timeouts, 5xx, rate limits."""


class PermanentError(Exception):
    """Retrying will not help: rejected request, bad address."""


class Skip(Exception):
    """Nothing to send to (no email address, channel not configured): cancel, with the reason."""


class Accepted(str):
    """A provider reference for a message the provider will deliver later (DingTalk's
    asynchronous work notifications): the delivery waits for the provider's answer."""


@dataclass
class Rendered:
    title: str
    body: str
    url: str
    ack_url: str = ""

    @property
    def text(self):
        lines = [self.title, self.body, f"详情：{self.url}"]
        if self.ack_url:
            lines.append(f"点击确认收到：{self.ack_url}")
        return "\n".join(line for line in lines if line)


def scrub(text: str, *secrets) -> str:
    """Errors go to the database and logs: take every secret (and signed URL) out first."""
    text = str(text)
    for secret in secrets:
        if secret:
            text = text.replace(str(secret), "***")
    return text[:480]


def post_json(
    url: str, payload: dict, headers: dict | None = None, *, secrets=(), coded_4xx=False
) -> dict:
    """POST JSON; 2xx → parsed JSON (or {}), 5xx/timeouts → TemporaryError, 4xx → PermanentError."""
    body = json.dumps(payload, ensure_ascii=False).encode()
    return request_json(
        url,
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        secrets=secrets,
        coded_4xx=coded_4xx,
    )


def request_json(url, *, data=None, headers=None, method=None, secrets=(), coded_4xx=False):
    """coded_4xx: a 4xx whose JSON body carries the provider's error code is answered like a
    200 (Feishu says why it refused in the body of a 400), for the provider to read the code."""
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=settings.NOTIFY_HTTP_TIMEOUT) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        if coded_4xx and 400 <= exc.code < 500 and exc.code != 429:
            try:
                answer = json.loads(exc.read()[:65536])
            except (ValueError, OSError):
                answer = None
            if isinstance(answer, dict) and "code" in answer:
                return answer
        message = scrub(f"HTTP {exc.code}", url, *secrets)
        if exc.code >= 500 or exc.code == 429:
            raise TemporaryError(message) from None
        raise PermanentError(message) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise TemporaryError(
            scrub(f"network: {getattr(exc, 'reason', exc)}", url, *secrets)
        ) from None
    try:
        return json.loads(raw) if raw else {}
    except ValueError:
        return {}

"""Group robots: WeCom, DingTalk (signed), Feishu (signed). Each @-mentions the person's phone
where the robot supports it, so the message pings them in a busy group.

Everyone in the group reads what a robot posts, so by default it says only which class has how
many alerts of which kind, with a link that needs log-in (notify.hooks): no student's name,
number or phone, and no one-tap link anyone in the group could use. A robot whose unit turned
on include_names (an explicit admin setting, on the timeline) posts the full message."""

import base64
import hashlib
import hmac
import time
import urllib.parse

from shouwang.notify.hooks import group_summary
from shouwang.notify.models import BotEndpoint
from shouwang.org.models import Post

from .base import PermanentError, Skip, TemporaryError, post_json

RATE_LIMIT_CODES = {"wecom": {45009}, "dingtalk": {130101, 410100}, "feishu": {9499, 11232}}


def bot_for(person, kind):
    """The robot of the deepest unit (or ancestor) among the person's current posts."""
    paths = list(Post.objects.current().filter(person=person).values_list("unit__path", flat=True))
    codes = {c for p in paths for c in p.strip("/").split("/")}
    bots = BotEndpoint.objects.filter(
        kind=kind, is_active=True, unit__code__in=codes
    ).select_related("unit")
    best = max(bots, key=lambda b: b.unit.depth, default=None)
    if best is None:
        raise Skip(f"no {kind} robot for this person's units")
    return best


def _check(kind, answer, bot):
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    if code in (0, None):
        return
    message = f"{kind} answered {code}"
    if code in RATE_LIMIT_CODES[kind]:
        raise TemporaryError(message)
    raise PermanentError(message)


def group_text(bot, delivery, rendered) -> str:
    """What this robot may post: the full message only where the unit opted in to names."""
    if bot.include_names:
        return rendered.text
    return f"{group_summary(delivery.message)}\n{rendered.url}"


def dingtalk_sign(secret: str, timestamp_ms: str) -> str:
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def feishu_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def send_wecom(delivery, rendered):
    bot = bot_for(delivery.recipient, "wecom")
    phone = delivery.recipient.phone
    answer = post_json(
        bot.url,
        {
            "msgtype": "text",
            "text": {
                "content": group_text(bot, delivery, rendered),
                "mentioned_mobile_list": [phone] if phone else [],
            },
        },
        secrets=(bot.url,),
    )
    _check("wecom", answer, bot)
    return f"wecom:{bot.pk}"


def send_dingtalk(delivery, rendered):
    bot = bot_for(delivery.recipient, "dingtalk")
    url = bot.url
    if bot.secret:
        timestamp = str(int(time.time() * 1000))
        url += (
            "&" if "?" in url else "?"
        ) + f"timestamp={timestamp}&sign={dingtalk_sign(bot.secret, timestamp)}"
    phone = delivery.recipient.phone
    text = group_text(bot, delivery, rendered)
    answer = post_json(
        url,
        {
            "msgtype": "text",
            "text": {"content": text},
            "at": {"atMobiles": [phone] if phone else []},
        },
        secrets=(bot.secret, bot.url, url),
    )
    _check("dingtalk", answer, bot)
    return f"dingtalk:{bot.pk}"


def send_feishu(delivery, rendered):
    bot = bot_for(delivery.recipient, "feishu")
    payload = {"msg_type": "text", "content": {"text": group_text(bot, delivery, rendered)}}
    if bot.secret:
        timestamp = str(int(time.time()))
        payload.update(timestamp=timestamp, sign=feishu_sign(bot.secret, timestamp))
    answer = post_json(bot.url, payload, secrets=(bot.secret, bot.url))
    _check("feishu", answer, bot)
    return f"feishu:{bot.pk}"

"""Channel providers. Each takes a claimed Delivery and a Rendered message and either returns
(a provider reference) or raises TemporaryError (retry later), PermanentError (give up) or
Skip (nothing to send to: no address, channel not configured)."""

from .base import PermanentError, Rendered, Skip, TemporaryError  # noqa: F401


def provider_for(channel):
    from . import bots, email, sms, webhook

    return {
        "email": email.send, "webhook": webhook.send, "wecom": bots.send_wecom, "dingtalk": bots.send_dingtalk,
        "feishu": bots.send_feishu, "sms": sms.send,
    }[channel]


def skip_reason(delivery) -> str:
    """Why a delivery cannot be sent at all, when its channel can tell without the network or
    the database (not configured, no address); "" otherwise, and the provider decides."""
    from . import email, sms

    check = {"email": email.skip_reason, "sms": sms.skip_reason}.get(delivery.channel)
    return check(delivery) if check else ""

"""Channel providers. Each takes a claimed Delivery and a Rendered message and either returns
(a provider reference) or raises TemporaryError (retry later), PermanentError (give up) or
Skip (nothing to send to: no address, channel not configured)."""

from .base import Accepted, PermanentError, Rendered, Skip, TemporaryError  # noqa: F401


def provider_for(channel):
    from . import bots, dingtalk_app, email, feishu_app, sms, webhook, wecom_app

    return {
        "email": email.send,
        "webhook": webhook.send,
        "wecom": bots.send_wecom,
        "dingtalk": bots.send_dingtalk,
        "feishu": bots.send_feishu,
        "sms": sms.send,
        "wecom_app": wecom_app.send,
        "dingtalk_app": dingtalk_app.send,
        "feishu_app": feishu_app.send,
    }[channel]


def skip_reason(delivery) -> str:
    """Why a delivery cannot be sent at all, when its channel can tell without the network or
    the database (not configured, no address); "" otherwise, and the provider decides."""
    from . import email, sms

    check = {"email": email.skip_reason, "sms": sms.skip_reason}.get(delivery.channel)
    return check(delivery) if check else ""

"""Feishu (飞书) messages from the school's application to one person: an interactive card
whose button is the one-tap acknowledgement link.

auth/v3/tenant_access_token/internal (app_id + app_secret) → tenant_access_token, valid
`expire` seconds; im/v1/messages?receive_id_type=user_id with msg_type interactive (the card as
a JSON string) and the delivery's key as uuid, so Feishu drops a retried duplicate; the
answer's code (0 = ok; 99991661/99991663/99991668 = token missing, invalid or expired;
99991400 = slow down). Feishu explains a refusal in the body of a 400. contact/v3/users/
batch_get_id finds a person's user_id by mobile number."""

import json

from .base import post_json
from .workapp import WorkAppProvider

TOKEN_CODES = {99991661, 99991663, 99991664, 99991668, 99991671}
BUSY_CODES = {99991400, 99991401, 1000004, 1000005, 11232}
# The user id is unknown, or the app has no availability to that user.
USER_CODES = {230001, 230013, 99992361}


class FeishuApp(WorkAppProvider):
    kind = "feishu"
    label = "Feishu"
    default_base = "https://open.feishu.cn"
    code_field, message_field = "code", "msg"
    token_field, expiry_field = "tenant_access_token", "expire"
    token_codes, busy_codes = frozenset(TOKEN_CODES), frozenset(BUSY_CODES)

    def fetch_token(self, app, base):
        answer = post_json(
            f"{base}/open-apis/auth/v3/tenant_access_token/internal",
            {"app_id": app.app_id, "app_secret": app.secret},
            secrets=(app.secret,),
            coded_4xx=True,
        )
        return self.token_from(app, answer, "tenant_access_token")

    def call(self, app, base, token, path, payload, what):
        answer = post_json(
            f"{base}{path}",
            payload,
            {"Authorization": f"Bearer {token}"},
            secrets=self.secrets(app, token),
            coded_4xx=True,
        )
        return self.checked(app, answer, what)

    def lookup_by_mobile(self, app, base, token, mobile):
        answer = self.call(
            app,
            base,
            token,
            "/open-apis/contact/v3/users/batch_get_id?user_id_type=user_id",
            {"mobiles": [mobile]},
            "batch_get_id",
        )
        if answer["code"] != 0:
            return ""
        users = (answer.get("data") or {}).get("user_list") or []
        return next((str(u["user_id"]) for u in users if u.get("user_id")), "")

    def deliver(self, app, base, token, user_id, delivery, rendered):
        button = {
            "tag": "button",
            "type": "primary",
            "url": rendered.ack_url or rendered.url,
            "text": {
                "tag": "plain_text",
                "content": "确认收到" if rendered.ack_url else "查看详情",
            },
        }
        elements = (
            [{"tag": "div", "text": {"tag": "plain_text", "content": rendered.body}}]
            if rendered.body
            else []
        )
        card = {
            "config": {"wide_screen_mode": True},
            "header": {
                "template": "red",
                "title": {"tag": "plain_text", "content": rendered.title},
            },
            "elements": [*elements, {"tag": "action", "actions": [button]}],
        }
        answer = self.call(
            app,
            base,
            token,
            "/open-apis/im/v1/messages?receive_id_type=user_id",
            {
                "receive_id": user_id,
                "msg_type": "interactive",
                "uuid": delivery.idempotency_key[:50],
                "content": json.dumps(card, ensure_ascii=False),
            },
            "im/v1/messages",
        )
        if answer["code"] != 0:
            self.fail(
                app,
                f"feishu answered {answer['code']} for user {user_id}: {answer.get('msg', '')}"[
                    :300
                ],
                user=answer["code"] in USER_CODES,
            )
        return f"feishu_app:{(answer.get('data') or {}).get('message_id', '')}"


provider = FeishuApp()
send = provider.send

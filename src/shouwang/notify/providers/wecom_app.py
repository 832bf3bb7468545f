"""WeCom (企业微信, also its 校园版) application messages: to one person, as a textcard whose
button is the one-tap acknowledgement link.

gettoken (corpid + the application's secret) → access_token, valid expires_in seconds;
message/send with msgtype textcard and the app's agentid; the answer's errcode (0 = ok; 40014 /
42001 = token invalid / expired; 45009 / 45033 / -1 = slow down) and invaliduser /
unlicenseduser (a 200 that still did not reach the person). user/getuserid finds a person's
userid by mobile number."""

import html
import urllib.parse

from .base import post_json, request_json
from .workapp import TokenRejected, WorkAppProvider, trim_bytes

TOKEN_CODES = {40014, 42001, 40082}
BUSY_CODES = {-1, 45009, 45033}
# The user id is unknown or out of the app's reach (81013: user, party and tag all invalid).
USER_CODES = {40003, 60111, 81013}


class WeComApp(WorkAppProvider):
    kind = "wecom"
    label = "WeCom"
    default_base = "https://qyapi.weixin.qq.com"
    token_codes, busy_codes = frozenset(TOKEN_CODES), frozenset(BUSY_CODES)

    def fetch_token(self, app, base):
        query = urllib.parse.urlencode({"corpid": app.app_id, "corpsecret": app.secret})
        answer = request_json(f"{base}/cgi-bin/gettoken?{query}", secrets=(app.secret,))
        return self.token_from(app, answer, "gettoken")

    def lookup_by_mobile(self, app, base, token, mobile):
        answer = post_json(
            f"{base}/cgi-bin/user/getuserid?access_token={token}",
            {"mobile": mobile},
            secrets=self.secrets(app, token),
        )
        code = answer.get("errcode")
        if code in TOKEN_CODES:
            raise TokenRejected
        if code in BUSY_CODES:
            self.fail(app, f"wecom getuserid answered {code}", temporary=True)
        return str(answer.get("userid") or "") if code == 0 else ""

    def deliver(self, app, base, token, user_id, delivery, rendered):
        link = rendered.ack_url or rendered.url
        parts = [f'<div class="normal">{html.escape(rendered.body)}</div>' if rendered.body else ""]
        if rendered.ack_url:
            parts.append('<div class="highlight">点击下方“确认收到”即完成确认</div>')
        payload = {
            "touser": user_id,
            "msgtype": "textcard",
            "agentid": int(app.agent_id or 0),
            "textcard": {
                "title": trim_bytes(rendered.title, 128),
                "description": trim_bytes("".join(parts) or rendered.title, 512),
                "url": link,
                "btntxt": "确认收到" if rendered.ack_url else "详情",
            },
        }
        answer = post_json(
            f"{base}/cgi-bin/message/send?access_token={token}",
            payload,
            secrets=self.secrets(app, token),
        )
        if "errcode" not in answer:
            self.fail(app, "wecom answered without an errcode", temporary=True)
        code, errmsg = answer["errcode"], str(answer.get("errmsg", ""))[:200]
        if code in TOKEN_CODES:
            raise TokenRejected
        if code in BUSY_CODES:
            self.fail(app, f"wecom answered {code}: {errmsg}", temporary=True)
        if code != 0:
            self.fail(app, f"wecom answered {code}: {errmsg}", user=code in USER_CODES)
        for field, why in (
            ("invaliduser", "does not know"),
            ("unlicenseduser", "has no licence for"),
        ):
            refused = {u.lower() for u in str(answer.get(field) or "").split("|") if u}
            if user_id.lower() in refused:
                self.fail(app, f"wecom {why} user {user_id} ({field})", user=True)
        return f"wecom_app:{answer.get('msgid', '')}"


provider = WeComApp()
send = provider.send
skip_reason = provider.skip_reason

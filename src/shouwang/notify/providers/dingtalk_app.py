"""DingTalk (钉钉) work notifications from the school's application: to one person, as an
action_card whose single button is the one-tap acknowledgement link.

gettoken (appkey + appsecret) → access_token; topapi/message/corpconversation/asyncsend_v2
answers only a task_id: DingTalk sends later. So the delivery is "accepted" at first and
results_poll asks getsendresult until DingTalk says the person received it (read or unread:
sent) or could not (invalid / failed / forbidden: failed, and the person's next channel goes
out). topapi/v2/user/getbymobile finds a person's userid by mobile number."""

import urllib.parse
from datetime import timedelta

from django.db import transaction

from shouwang.audit.services import batched_events, event_record
from shouwang.notify.models import Delivery, WorkIdentity
from shouwang.notify.services import delivery_fall_back

from .base import Accepted, PermanentError, TemporaryError, post_json, request_json
from .workapp import TokenRejected, WorkAppProvider, trim_bytes

TOKEN_CODES = {40014, 42001, 40001}
BUSY_CODES = {-1, 88, 90018, 90002, 143103}
# A task DingTalk has not answered for this long is given up (and the next channel goes out).
GIVE_UP_AFTER = timedelta(hours=1)
TASK_PREFIX = "dingtalk_app:task:"


class DingTalkApp(WorkAppProvider):
    kind = "dingtalk"
    label = "DingTalk"
    default_base = "https://oapi.dingtalk.com"
    token_codes, busy_codes = frozenset(TOKEN_CODES), frozenset(BUSY_CODES)

    def fetch_token(self, app, base):
        query = urllib.parse.urlencode({"appkey": app.app_id, "appsecret": app.secret})
        answer = request_json(f"{base}/gettoken?{query}", secrets=(app.secret,))
        return self.token_from(app, answer, "gettoken")

    def call(self, app, base, token, path, payload, what):
        answer = post_json(
            f"{base}{path}?access_token={token}", payload, secrets=self.secrets(app, token)
        )
        return self.checked(app, answer, what)

    def lookup_by_mobile(self, app, base, token, mobile):
        answer = self.call(
            app, base, token, "/topapi/v2/user/getbymobile", {"mobile": mobile}, "getbymobile"
        )
        return (
            str((answer.get("result") or {}).get("userid") or "") if answer["errcode"] == 0 else ""
        )

    def deliver(self, app, base, token, user_id, delivery, rendered):
        lines = [rendered.body, f"[在守望中查看]({rendered.url})"]
        card = {
            "title": trim_bytes(rendered.title, 128),
            "markdown": f"### {rendered.title}\n\n" + "\n\n".join(line for line in lines if line),
            "single_title": "确认收到" if rendered.ack_url else "查看详情",
            "single_url": rendered.ack_url or rendered.url,
        }
        answer = self.call(
            app,
            base,
            token,
            "/topapi/message/corpconversation/asyncsend_v2",
            {
                "agent_id": int(app.agent_id or 0),
                "userid_list": user_id,
                "msg": {"msgtype": "action_card", "action_card": card},
            },
            "asyncsend_v2",
        )
        if answer["errcode"] != 0:
            self.fail(
                app,
                f"dingtalk asyncsend_v2 answered {answer['errcode']}: {answer.get('errmsg', '')}"[
                    :300
                ],
            )
        if not answer.get("task_id"):
            self.fail(app, "dingtalk asyncsend_v2 answered without a task_id", temporary=True)
        return Accepted(f"{TASK_PREFIX}{answer['task_id']}")

    def result(self, app, base, task_id: str, user_id: str) -> tuple[str, str]:
        """("sent" | "failed" | "waiting", reason) for one person of one task."""
        token = self.token(app, base)
        payload = {"agent_id": int(app.agent_id or 0), "task_id": int(task_id)}
        path = "/topapi/message/corpconversation/getsendresult"
        try:
            answer = self.call(app, base, token, path, payload, "getsendresult")
        except TokenRejected:
            answer = self.call(
                app, base, self.token(app, base, rejected=token), path, payload, "getsendresult"
            )
        if answer["errcode"] != 0:
            return "waiting", f"dingtalk getsendresult answered {answer['errcode']}"
        result = answer.get("send_result") or {}
        uid = user_id.lower()

        def listed(field):
            return uid in {str(u).lower() for u in result.get(field) or []}

        for field in ("invalid_user_id_list", "failed_user_id_list", "forbidden_user_id_list"):
            if listed(field):
                return "failed", f"dingtalk could not deliver to user {user_id} ({field})"
        for item in result.get("forbidden_list") or []:
            if str(item.get("userid", "")).lower() == uid:
                return (
                    "failed",
                    f"dingtalk refused user {user_id} (forbidden, code {item.get('code')})",
                )
        if listed("read_user_id_list") or listed("unread_user_id_list"):
            return "sent", ""
        return "waiting", ""


provider = DingTalkApp()
send = provider.send


def results_poll(*, now, limit=100) -> int:
    """Ask DingTalk what became of the accepted work notifications; returns how many were
    settled. Runs in the worker every 30 s (and outside any transaction: it calls DingTalk)."""
    accepted = list(
        Delivery.objects.filter(channel="dingtalk_app", state=Delivery.State.ACCEPTED)
        .select_related("message")
        .order_by("sent_at")[:limit]
    )
    if not accepted:
        return 0
    app = provider.app()
    ids = dict(
        WorkIdentity.objects.filter(
            kind="dingtalk", person_id__in={d.recipient_id for d in accepted}
        ).values_list("person_id", "external_id")
    )
    outcomes = []
    for delivery in accepted:
        task = delivery.claimed_by.removeprefix(TASK_PREFIX)
        try:
            if app is None or not task.isdigit():
                raise PermanentError("dingtalk application no longer configured")
            state, reason = provider.result(
                app, provider.base(app), task, ids.get(delivery.recipient_id, "")
            )
        except (TemporaryError, PermanentError) as exc:
            state, reason = "waiting", str(exc)
        if state == "waiting" and delivery.sent_at and delivery.sent_at < now - GIVE_UP_AFTER:
            state, reason = "failed", "dingtalk never confirmed the work notification"
        if state != "waiting":
            outcomes.append((delivery, state, reason))
    with transaction.atomic(), batched_events():
        for delivery, state, reason in outcomes:
            rows = Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.ACCEPTED)
            if not rows.update(state=state, last_error=reason):
                continue
            message = delivery.message
            event_record(
                actor=None,
                subject=(message.subject_type, message.subject_id),
                verb=f"delivery.{state}",
                at=now,
                data={
                    "channel": delivery.channel,
                    "recipient": delivery.recipient_id,
                    "attempts": delivery.attempts,
                    "delivery": delivery.pk,
                    **({"error": reason} if reason else {}),
                },
            )
            if state == "failed":
                delivery_fall_back(delivery=delivery, reason=reason, now=now)
            if "invalid_user_id_list" in reason:  # a directory id DingTalk no longer knows
                WorkIdentity.objects.filter(
                    person_id=delivery.recipient_id,
                    kind="dingtalk",
                    source=WorkIdentity.Source.DIRECTORY,
                ).update(external_id="", checked_at=now)
    return len(outcomes)

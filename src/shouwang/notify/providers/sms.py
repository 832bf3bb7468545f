"""SMS through one interface, with the request formats of Aliyun (dysmsapi, signature v1,
HMAC-SHA1) and Tencent Cloud (SMS API 3.0, TC3-HMAC-SHA256). Endpoints are settings so tests
point them at a local server."""

import base64
import datetime
import hashlib
import hmac
import json
import urllib.parse
import uuid

from django.conf import settings

from .base import PermanentError, Skip, TemporaryError, request_json


def _template_params(rendered):
    # SMS templates are registered with the provider; we fill its variables, never free text.
    return {"title": rendered.title[:30], "url": (rendered.ack_url or rendered.url)[:100]}


def percent_encode(value: str) -> str:
    return urllib.parse.quote(str(value), safe="~")


def aliyun_signature(secret: str, params: dict, method: str = "POST") -> str:
    canonical = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items())
    )
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def send_aliyun(delivery, rendered, phone):
    s = settings.SMS
    params = {
        "AccessKeyId": s["ACCESS_KEY_ID"],
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": phone,
        "RegionId": "cn-hangzhou",
        "SignName": s["SIGN_NAME"],
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": str(uuid.uuid4()),
        "SignatureVersion": "1.0",
        "TemplateCode": s["TEMPLATE_CODE"],
        "TemplateParam": json.dumps(_template_params(rendered), ensure_ascii=False),
        "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2017-05-25",
        "OutId": delivery.idempotency_key,
    }
    params["Signature"] = aliyun_signature(s["ACCESS_KEY_SECRET"], params)
    body = urllib.parse.urlencode(params).encode()
    answer = request_json(
        s["ENDPOINT"] or "https://dysmsapi.aliyuncs.com/",
        data=body,
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        secrets=(s["ACCESS_KEY_SECRET"],),
    )
    code = answer.get("Code")
    if code == "OK":
        return answer.get("BizId", "")
    if code in ("isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "ServiceUnavailable"):
        raise TemporaryError(f"aliyun answered {code}")
    raise PermanentError(f"aliyun answered {code}")


def tencent_authorization(secret_id, secret_key, host, payload: str, timestamp: int) -> str:
    date = datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d")
    canonical = (
        "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:" + host + "\n\n"
        "content-type;host\n" + hashlib.sha256(payload.encode()).hexdigest()
    )
    scope = f"{date}/sms/tc3_request"
    string_to_sign = (
        f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n" + hashlib.sha256(canonical.encode()).hexdigest()
    )

    def sign(key, msg):
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    signing = sign(sign(sign(("TC3" + secret_key).encode(), date), "sms"), "tc3_request")
    signature = hmac.new(signing, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, "
        f"Signature={signature}"
    )


def send_tencent(delivery, rendered, phone):
    s = settings.SMS
    endpoint = s["ENDPOINT"] or "https://sms.tencentcloudapi.com/"
    host = urllib.parse.urlsplit(endpoint).netloc
    params = _template_params(rendered)
    payload = json.dumps(
        {
            "PhoneNumberSet": [f"+86{phone}" if not phone.startswith("+") else phone],
            "SmsSdkAppId": s["APP_ID"],
            "SignName": s["SIGN_NAME"],
            "TemplateId": s["TEMPLATE_CODE"],
            "TemplateParamSet": list(params.values()),
            "SessionContext": delivery.idempotency_key,
        },
        ensure_ascii=False,
    )
    timestamp = int(datetime.datetime.now(datetime.UTC).timestamp())
    answer = request_json(
        endpoint,
        data=payload.encode(),
        method="POST",
        secrets=(s["ACCESS_KEY_SECRET"],),
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Version": "2021-01-11",
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": s["REGION"],
            "Authorization": tencent_authorization(
                s["ACCESS_KEY_ID"], s["ACCESS_KEY_SECRET"], host, payload, timestamp
            ),
        },
    )
    response = answer.get("Response", {})
    if "Error" in response:
        code = response["Error"].get("Code", "")
        if code.startswith(("LimitExceeded", "InternalError", "RequestLimitExceeded")):
            raise TemporaryError(f"tencent answered {code}")
        raise PermanentError(f"tencent answered {code}")
    status = (response.get("SendStatusSet") or [{}])[0]
    if status.get("Code") != "Ok":
        raise PermanentError(f"tencent answered {status.get('Code')}")
    return status.get("SerialNo", "")


ADAPTERS = {"aliyun": send_aliyun, "tencent": send_tencent}


def skip_reason(delivery) -> str:
    """Why this delivery cannot go out at all ("" when it can), decided without the network."""
    if settings.SMS["PROVIDER"] not in ADAPTERS:
        return "SMS not configured (SHOUWANG_SMS_PROVIDER)"
    return "" if delivery.recipient.phone else "no phone number"


def send(delivery, rendered):
    if reason := skip_reason(delivery):
        raise Skip(reason)
    return ADAPTERS[settings.SMS["PROVIDER"]](delivery, rendered, delivery.recipient.phone)

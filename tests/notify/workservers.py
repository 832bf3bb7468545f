"""Local servers speaking the request and response formats of WeCom's, DingTalk's and Feishu's
application APIs (token, send, directory; DingTalk's send result), for the provider tests, the
browser journey and the benchmark. Each issues real tokens that it can expire, knows a few
users, records what it received, and can be told to answer the next sends with a 500, a hang,
a rate limit or any JSON."""

import itertools
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class WorkServer:
    """Shared machinery; subclasses route paths. `plan` holds the answers of the next sends."""

    def __init__(self, app_id="corp-1", secret="app-secret-XYZ-123"):
        self.app_id, self.secret = app_id, secret
        self.tokens: dict[str, str] = {}  # token → "valid" | "expired"
        self.tokens_fetched = 0
        self.users: dict[str, str] = {}  # mobile → user id
        self.requests: list[dict] = []
        self.sent: list[dict] = []
        self.plan: list = []
        self.hang = threading.Event()
        self.lock = threading.Lock()
        self._counter = itertools.count(1)

    # ---- helpers for tests -------------------------------------------------------------------
    def expire_tokens(self):
        with self.lock:
            for token in self.tokens:
                self.tokens[token] = "expired"

    def issue_token(self) -> str:
        with self.lock:
            self.tokens_fetched += 1
            token = f"TOKEN-{next(self._counter)}-secretish"
            self.tokens[token] = "valid"
            return token

    def token_state(self, token) -> str:
        return self.tokens.get(token or "", "invalid")

    def next_planned(self):
        with self.lock:
            return self.plan.pop(0) if self.plan else None

    def handle(
        self, method, path, query, body, headers
    ):  # → (status, dict) | "hang" | (status, None)
        raise NotImplementedError

    # ---- server --------------------------------------------------------------------------------
    def start(self):
        state = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                body = json.loads(raw) if raw else {}
                state.requests.append(
                    {
                        "method": method,
                        "path": url.path,
                        "query": query,
                        "body": body,
                        "headers": dict(self.headers),
                    }
                )
                answer = state.handle(method, url.path, query, body, self.headers)
                if answer == "hang":
                    state.hang.wait(10)
                    return
                status, payload = answer
                data = (
                    json.dumps(payload, ensure_ascii=False).encode() if payload is not None else b""
                )
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._serve("GET")

            def do_POST(self):
                self._serve("POST")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        return self

    def stop(self):
        self.hang.set()
        self.server.shutdown()
        self.server.server_close()

    def planned_answer(self, default):
        planned = self.next_planned()
        if planned is None:
            return None
        if planned == "hang":
            return "hang"
        if planned == "500":
            return 500, None
        if isinstance(planned, tuple):
            return planned
        return 200, planned


class WeComServer(WorkServer):
    """qyapi.weixin.qq.com: /cgi-bin/gettoken, /cgi-bin/message/send, /cgi-bin/user/getuserid."""

    def __init__(self, app_id="ww-corp-1", secret="wecom-secret-XYZ-123", agent_id="1000002"):
        super().__init__(app_id, secret)
        self.agent_id = agent_id
        self.userids: set[str] = set()
        self.robot_posts: list[dict] = []  # group robot messages (/cgi-bin/webhook/send?key=…)

    def add_user(self, userid, mobile=""):
        self.userids.add(userid)
        if mobile:
            self.users[mobile] = userid

    def handle(self, method, path, query, body, headers):
        if path == "/cgi-bin/webhook/send":
            self.robot_posts.append(body)
            return 200, {"errcode": 0, "errmsg": "ok"}
        if path == "/cgi-bin/gettoken":
            if query.get("corpid") != self.app_id or query.get("corpsecret") != self.secret:
                return 200, {
                    "errcode": 40001,
                    "errmsg": "invalid credential, hint: [1700000000_1_xyz]",
                }
            return 200, {
                "errcode": 0,
                "errmsg": "ok",
                "access_token": self.issue_token(),
                "expires_in": 7200,
            }
        state = self.token_state(query.get("access_token"))
        if state != "valid":
            return 200, (
                {"errcode": 42001, "errmsg": "access_token expired"}
                if state == "expired"
                else {"errcode": 40014, "errmsg": "invalid access_token"}
            )
        if path == "/cgi-bin/user/getuserid":
            userid = self.users.get(body.get("mobile", ""))
            return 200, (
                {"errcode": 0, "errmsg": "ok", "userid": userid}
                if userid
                else {"errcode": 46004, "errmsg": "user no exist"}
            )
        if path == "/cgi-bin/message/send":
            planned = self.planned_answer(None)
            if planned is not None:
                return planned
            if str(body.get("agentid")) != self.agent_id:
                return 200, {"errcode": 40056, "errmsg": "invalid agentid"}
            touser = body.get("touser", "")
            if touser not in self.userids:
                return 200, {
                    "errcode": 81013,
                    "errmsg": "user & party & tag all invalid",
                    "invaliduser": touser.lower(),
                    "invalidparty": "",
                    "invalidtag": "",
                }
            self.sent.append(body)
            return 200, {
                "errcode": 0,
                "errmsg": "ok",
                "invaliduser": "",
                "invalidparty": "",
                "invalidtag": "",
                "unlicenseduser": "",
                "msgid": f"msg-{len(self.sent)}",
            }
        return 404, {"errcode": 404}


class DingTalkServer(WorkServer):
    """oapi.dingtalk.com: /gettoken, asyncsend_v2 (answers a task id), getsendresult,
    /topapi/v2/user/getbymobile. A task's result is what `results` says for it, else "unread"."""

    def __init__(self, app_id="ding-appkey-1", secret="ding-secret-XYZ-123", agent_id="2000001"):
        super().__init__(app_id, secret)
        self.agent_id = agent_id
        self.userids: set[str] = set()
        self.tasks: dict[int, str] = {}  # task id → user id
        self.results: dict[
            str, str
        ] = {}  # user id → "read" | "unread" | "invalid" | "failed" | "pending"

    def add_user(self, userid, mobile=""):
        self.userids.add(userid)
        if mobile:
            self.users[mobile] = userid

    def handle(self, method, path, query, body, headers):
        if path == "/gettoken":
            if query.get("appkey") != self.app_id or query.get("appsecret") != self.secret:
                return 200, {"errcode": 40089, "errmsg": "不合法的corpid或corpsecret"}
            return 200, {
                "errcode": 0,
                "errmsg": "ok",
                "access_token": self.issue_token(),
                "expires_in": 7200,
            }
        state = self.token_state(query.get("access_token"))
        if state != "valid":
            return 200, (
                {"errcode": 42001, "errmsg": "access_token超时"}
                if state == "expired"
                else {"errcode": 40014, "errmsg": "不合法的access_token"}
            )
        if path == "/topapi/v2/user/getbymobile":
            userid = self.users.get(body.get("mobile", ""))
            return 200, (
                {"errcode": 0, "errmsg": "ok", "result": {"userid": userid}}
                if userid
                else {"errcode": 60121, "errmsg": "找不到该用户"}
            )
        if path == "/topapi/message/corpconversation/asyncsend_v2":
            planned = self.planned_answer(None)
            if planned is not None:
                return planned
            task = 700000 + len(self.tasks) + 1
            self.tasks[task] = body.get("userid_list", "")
            self.sent.append(body)
            return 200, {"errcode": 0, "errmsg": "ok", "task_id": task, "request_id": f"req-{task}"}
        if path == "/topapi/message/corpconversation/getsendresult":
            userid = self.tasks.get(int(body.get("task_id", 0)), "")
            lists = {
                k: []
                for k in (
                    "invalid_user_id_list",
                    "forbidden_user_id_list",
                    "failed_user_id_list",
                    "read_user_id_list",
                    "unread_user_id_list",
                )
            }
            outcome = self.results.get(userid, "unread" if userid in self.userids else "invalid")
            if outcome != "pending":
                lists[f"{outcome}_user_id_list"].append(userid)
            return 200, {
                "errcode": 0,
                "errmsg": "ok",
                "send_result": {**lists, "invalid_dept_id_list": [], "forbidden_list": []},
            }
        return 404, {"errcode": 404}


class FeishuServer(WorkServer):
    """open.feishu.cn: tenant_access_token/internal, im/v1/messages (refusals in a 400's body),
    contact/v3/users/batch_get_id."""

    def __init__(self, app_id="cli_a1b2c3", secret="feishu-secret-XYZ-123"):
        super().__init__(app_id, secret)
        self.userids: set[str] = set()
        self.uuids: set[str] = set()

    def add_user(self, userid, mobile=""):
        self.userids.add(userid)
        if mobile:
            self.users[mobile] = userid

    def handle(self, method, path, query, body, headers):
        if path == "/open-apis/auth/v3/tenant_access_token/internal":
            if body.get("app_id") != self.app_id or body.get("app_secret") != self.secret:
                return 400, {"code": 10014, "msg": "app secret invalid"}
            return 200, {
                "code": 0,
                "msg": "ok",
                "tenant_access_token": self.issue_token(),
                "expire": 7200,
            }
        auth = headers.get("Authorization", "")
        state = self.token_state(auth.removeprefix("Bearer "))
        if state != "valid":
            return 400, {
                "code": 99991663 if state == "expired" else 99991668,
                "msg": "Invalid access token",
            }
        if path == "/open-apis/contact/v3/users/batch_get_id":
            mobiles = body.get("mobiles", [])
            return 200, {
                "code": 0,
                "msg": "success",
                "data": {
                    "user_list": [
                        {"mobile": m, **({"user_id": self.users[m]} if m in self.users else {})}
                        for m in mobiles
                    ]
                },
            }
        if path == "/open-apis/im/v1/messages":
            planned = self.planned_answer(None)
            if planned is not None:
                return planned
            if query.get("receive_id_type") != "user_id":
                return 400, {"code": 99992402, "msg": "field validation failed"}
            if body.get("receive_id") not in self.userids:
                return 400, {"code": 230013, "msg": "Bot has NO availability to this user."}
            if body.get("uuid") in self.uuids:  # Feishu drops a repeat of the same uuid
                return 200, {"code": 0, "msg": "success", "data": {"message_id": "om_dup"}}
            self.uuids.add(body.get("uuid"))
            self.sent.append(body)
            return 200, {
                "code": 0,
                "msg": "success",
                "data": {"message_id": f"om_{len(self.sent)}"},
            }
        return 404, {"code": 404}

"""What the school's work applications (WeCom, DingTalk, Feishu) share: the configured app, its
access token cached in the database until it expires (every worker uses the same one; a
rejected token is refreshed once, by whoever sees it first), the person's user id in the app
(stored, or found by mobile number through the directory and stored), and refused credentials
(the first send fails with the provider's message, later ones fail at once without a request,
and the administrators are told once).

Each provider module (wecom_app, dingtalk_app, feishu_app) subclasses WorkAppProvider with its
request formats. Secrets and tokens are scrubbed out of every error."""

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shouwang.audit.services import event_record
from shouwang.notify.models import WorkApp, WorkIdentity
from shouwang.notify.services import administrators_alert

from .base import PermanentError, Skip, TemporaryError, scrub

# A token is used until this long before the provider says it expires.
TOKEN_MARGIN = timedelta(minutes=5)
# A person the directory did not know is asked about again after this long.
DIRECTORY_RECHECK = timedelta(days=1)


class TokenRejected(Exception):
    """The provider refused the access token (expired or invalid): fetch a new one, once."""


class CredentialsRefused(Exception):
    """The provider refused the app's id or secret when asked for a token."""


class UserRefused(PermanentError):
    """The provider does not know (or will not reach) this user id."""


class WorkAppProvider:
    kind = ""  # WorkApp.Kind
    label = ""  # for errors: "WeCom"
    default_base = ""
    # How the provider's answers say how it went: the result code and message of every answer,
    # the codes meaning "token expired or invalid" and "busy, try later", and the token answer's
    # own fields.
    code_field, message_field = "errcode", "errmsg"
    token_field, expiry_field = "access_token", "expires_in"
    token_codes: frozenset = frozenset()
    busy_codes: frozenset = frozenset()

    # ---- what each provider implements ------------------------------------------------------
    def fetch_token(self, app: WorkApp, base: str) -> tuple[str, int]:
        """(token, seconds it is valid); CredentialsRefused or TemporaryError."""
        raise NotImplementedError

    def lookup_by_mobile(self, app: WorkApp, base: str, token: str, mobile: str) -> str:
        """The user id of this mobile number in the app's directory, "" if unknown."""
        raise NotImplementedError

    def deliver(self, app: WorkApp, base: str, token: str, user_id: str, delivery, rendered) -> str:
        """Send; returns the provider's reference. TokenRejected, TemporaryError, PermanentError."""
        raise NotImplementedError

    # ---- shared --------------------------------------------------------------------------------
    def token_from(self, app: WorkApp, answer: dict, what: str) -> tuple[str, int]:
        """(token, seconds) from a token answer; busy → TemporaryError, else CredentialsRefused."""
        code = answer.get(self.code_field, 0)
        if code in self.busy_codes:
            self.fail(app, f"{self.kind} {what} answered {code}", temporary=True)
        if code != 0 or not answer.get(self.token_field):
            message = answer.get(self.message_field, "")
            raise CredentialsRefused(f"{self.kind} {what} answered {code}: {message}"[:300])
        return answer[self.token_field], int(answer.get(self.expiry_field) or 7200)

    def checked(self, app: WorkApp, answer: dict, what: str) -> dict:
        """An API answer, once its code says neither "token rejected" nor "busy"."""
        if self.code_field not in answer:
            self.fail(
                app, f"{self.kind} {what} answered without its {self.code_field}", temporary=True
            )
        code = answer[self.code_field]
        if code in self.token_codes:
            raise TokenRejected
        if code in self.busy_codes:
            message = answer.get(self.message_field, "")
            self.fail(app, f"{self.kind} {what} answered {code}: {message}"[:300], temporary=True)
        return answer

    def app(self) -> WorkApp | None:
        return WorkApp.objects.filter(kind=self.kind, is_active=True).first()

    def base(self, app: WorkApp) -> str:
        return (app.api_base or self.default_base).rstrip("/")

    def secrets(self, app: WorkApp, *more) -> tuple:
        return (app.secret, app.access_token, *more)

    def skip_reason(self, delivery) -> str:
        return (
            ""
            if WorkApp.objects.filter(kind=self.kind, is_active=True).exists()
            else (f"{self.label} application not configured")
        )

    def send(self, delivery, rendered) -> str:
        app = self.app()
        if app is None:
            raise Skip(f"{self.label} application not configured")
        if app.credentials_error:
            raise PermanentError(app.credentials_error)
        base = self.base(app)
        user_id = self.user_id(app, base, delivery.recipient)
        token = self.token(app, base)
        try:
            try:
                return self.deliver(app, base, token, user_id, delivery, rendered)
            except TokenRejected:
                token = self.token(app, base, rejected=token)
                try:
                    return self.deliver(app, base, token, user_id, delivery, rendered)
                except TokenRejected:
                    raise TemporaryError(f"{self.label} refused a fresh access token") from None
        except UserRefused:
            # An id the directory gave earlier no longer works (left, moved): forget it, so the
            # directory is asked again tomorrow. An administrator's or an import's id stays.
            WorkIdentity.objects.filter(
                person=delivery.recipient,
                kind=self.kind,
                external_id=user_id,
                source=WorkIdentity.Source.DIRECTORY,
            ).update(external_id="", checked_at=timezone.now())
            raise

    def token(self, app: WorkApp, base: str, *, rejected: str = "") -> str:
        """The cached token, or a new one when there is none, it expired or it was rejected.
        When another worker already replaced the rejected token, theirs is used."""
        now = timezone.now()
        token, expires = app.access_token, app.token_expires_at  # the row as this send read it
        if rejected:  # another worker may have replaced it meanwhile: theirs is good
            current = (
                WorkApp.objects.filter(pk=app.pk).values("access_token", "token_expires_at").first()
                or {}
            )
            token, expires = current.get("access_token", ""), current.get("token_expires_at")
        if token and token != rejected and expires and expires > now:
            app.access_token, app.token_expires_at = token, expires
            return token
        try:
            token, seconds = self.fetch_token(app, base)
        except CredentialsRefused as exc:
            self.credentials_refused(app, str(exc))
            raise PermanentError(str(exc)) from None
        expires = now + timedelta(seconds=max(int(seconds), 60)) - TOKEN_MARGIN
        app.access_token, app.token_expires_at = token, expires
        WorkApp.objects.filter(pk=app.pk).update(
            access_token=token, token_expires_at=expires, tokens_fetched=F("tokens_fetched") + 1
        )
        return token

    def credentials_refused(self, app: WorkApp, reason: str) -> None:
        """Stop sending with these credentials and tell the administrators, once."""
        now = timezone.now()
        reason = scrub(reason, app.secret)[:300]
        with transaction.atomic():
            if WorkApp.objects.filter(pk=app.pk, credentials_error="").update(
                credentials_error=reason, access_token=""
            ):
                event_record(
                    actor=None,
                    subject=app,
                    verb="work_app.credentials_refused",
                    at=now,
                    data={"kind": self.kind, "error": reason},
                )
                administrators_alert(
                    kind="notify.work_app_refused",
                    subject=app,
                    title=f"{self.label} 应用的凭据被拒绝，工作消息已停止发送",
                    body=f"{reason}\n请管理员在后台“工作应用”中改正 ID 或 Secret 并保存；"
                    f"在此之前，这一渠道的消息改走每个人的下一个渠道。",
                    url="/admin/notify/workapp/",
                    now=now,
                )

    def user_id(self, app: WorkApp, base: str, person) -> str:
        identity = WorkIdentity.objects.filter(person=person, kind=self.kind).first()
        if identity is not None and identity.external_id:
            return identity.external_id
        now = timezone.now()
        if identity is not None and identity.checked_at > now - DIRECTORY_RECHECK:
            raise Skip(f"no {self.label} user id: the directory did not know this person's mobile")
        if not person.phone:
            raise Skip(f"no {self.label} user id and no mobile number to match it by")
        token = self.token(app, base)
        try:
            found = self.lookup_by_mobile(app, base, token, person.phone)
        except TokenRejected:
            found = self.lookup_by_mobile(
                app, base, self.token(app, base, rejected=token), person.phone
            )
        self.identity_store(person, found, now)
        if not found:
            raise Skip(f"no {self.label} user id: the directory does not know this person's mobile")
        return found

    def identity_store(self, person, found: str, now) -> None:
        with transaction.atomic():
            WorkIdentity.objects.update_or_create(
                person=person,
                kind=self.kind,
                defaults={
                    "external_id": found,
                    "source": WorkIdentity.Source.DIRECTORY,
                    "checked_at": now,
                },
            )
            # Whether it was found, not the mobile number or the id: the timeline is widely read.
            event_record(
                actor=None,
                subject=person,
                verb="work_identity.matched",
                at=now,
                data={"kind": self.kind, "found": bool(found)},
            )

    def fail(self, app: WorkApp, message: str, *, temporary: bool = False, user: bool = False):
        text = scrub(message, *self.secrets(app))
        raise (TemporaryError if temporary else UserRefused if user else PermanentError)(text)


def trim_bytes(text: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8, cut at a character boundary (providers count bytes)."""
    raw = text.encode()
    if len(raw) <= limit:
        return text
    return raw[: limit - 3].decode(errors="ignore") + "…"

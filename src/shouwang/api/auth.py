from functools import cache

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.errors import HttpError
from ninja.security import HttpBearer

from shouwang.org.models import Unit
from shouwang.org.scope import Scope

from .models import ApiToken, hash_token
from .principal import TokenPrincipal


@cache
def _token_sql() -> str:
    """Every column of the token, and its unit's path. Written once from the models' metadata:
    each integration request runs it, and the ORM took a millisecond more to build it each time
    than the database took to answer (benchmarks/ingest.py)."""
    q = connection.ops.quote_name
    token, unit = ApiToken._meta, Unit._meta
    t, u = (
        (lambda name: f"t.{q(token.get_field(name).column)}"),
        (lambda name: f"u.{q(unit.get_field(name).column)}"),
    )
    columns = ", ".join(f"t.{q(f.column)}" for f in token.concrete_fields)
    return (
        f"SELECT {columns}, {u('path')} AS unit_path FROM {q(token.db_table)} t"
        f" JOIN {q(unit.db_table)} u ON {u('id')} = {t('unit')}"
        f" WHERE {t('token_hash')} = %s AND {t('revoked_at')} IS NULL"
    )


class TokenAuth(HttpBearer):
    """`Authorization: Bearer sw_…` → a TokenPrincipal limited to the token's unit subtree.

    With `perm`, a token lacking it is refused (403) here, before the body is read: a token
    without reports.write got 422 for a bad body, telling it what a valid one looks like. With
    `people_only`, every token is refused (the inbox, acknowledgement, incident command)."""

    def __init__(self, perm: str | None = None, *, people_only: bool = False):
        super().__init__()
        self.perm, self.people_only = perm, people_only

    def authenticate(self, request, token):
        found = next(iter(ApiToken.objects.raw(_token_sql(), [hash_token(token)])), None)
        if found is None:
            return None
        now = timezone.now()
        # Touch last_used_at at most once a minute: no write on every request.
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        principal = TokenPrincipal(
            token=found,
            token_scope=Scope.of_paths([found.unit_path]),
            permissions=frozenset(found.permissions),
        )
        request.user = principal
        if self.people_only:
            raise HttpError(403, str(_("Only people can do this; an integration token cannot.")))
        if self.perm and not principal.has_token_perm(self.perm):
            raise HttpError(
                403, str(_("This token lacks the permission %(perm)s.") % {"perm": self.perm})
            )
        return principal

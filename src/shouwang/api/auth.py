from django.utils import timezone
from ninja.security import HttpBearer

from shouwang.org.scope import Scope

from .models import ApiToken, hash_token
from .principal import TokenPrincipal


class TokenAuth(HttpBearer):
    """`Authorization: Bearer sw_…` → a TokenPrincipal limited to the token's unit subtree."""

    def authenticate(self, request, token):
        found = (
            ApiToken.objects.select_related("unit")
            .filter(token_hash=hash_token(token), revoked_at__isnull=True)
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        # Touch last_used_at at most once a minute: no write on every request.
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        principal = TokenPrincipal(
            token=found, token_scope=Scope.of_paths([found.unit.path]),
            permissions=frozenset(found.permissions),
        )
        request.user = principal
        return principal

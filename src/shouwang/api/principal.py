"""The identity of a request authenticated by an integration token."""

from dataclasses import dataclass

from shouwang.org.scope import Scope


@dataclass
class TokenPrincipal:
    token: object
    token_scope: Scope
    permissions: frozenset[str]
    is_authenticated: bool = True
    is_active: bool = True
    is_superuser: bool = False
    pk = None

    def has_token_perm(self, perm: str) -> bool:
        return perm in self.permissions

    def get_username(self):
        return f"token:{self.token.name}"

"""What a caller of the API may do beyond its scope: integration tokens carry named permissions."""

from django.utils.translation import gettext_lazy as _
from ninja.errors import HttpError
from ninja.security import django_auth

from .auth import TokenAuth


def require_token_perm(request, perm: str):
    """Integration tokens need the named permission; people are limited by their scope alone."""
    checker = getattr(request.auth, "has_token_perm", None)
    if checker is not None and not checker(perm):
        raise HttpError(403, str(_("This token lacks the permission %(perm)s.") % {"perm": perm}))


def perm_auth(perm: str) -> list:
    """`auth=` for an operation a token may call only with `perm`: refused (403) in
    authentication, before ninja reads the body (a token without reports.write got 422 for a bad
    body and so learned its shape)."""
    return [TokenAuth(perm), django_auth]


# `auth=` for what only a person may do (the inbox, acknowledgement, incident command).
PEOPLE_ONLY = [TokenAuth(people_only=True), django_auth]

"""What a caller of the API may do beyond its scope: integration tokens carry named permissions."""

from django.utils.translation import gettext_lazy as _
from ninja.errors import HttpError


def require_token_perm(request, perm: str):
    """Integration tokens need the named permission; people are limited by their scope alone."""
    checker = getattr(request.auth, "has_token_perm", None)
    if checker is not None and not checker(perm):
        raise HttpError(403, str(_("This token lacks the permission %(perm)s.") % {"perm": perm}))

"""The /api/v1 root: one NinjaAPI, each domain app contributes a router."""

from csp.decorators import csp_update
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.security import django_auth

from .auth import TokenAuth

api = NinjaAPI(
    title="守望 Shouwang API",
    version="1",
    description=str(_("Scoped access to the organisation, students and early-warning reports. "
                      "Authenticate with a browser session or `Authorization: Bearer <token>`.")),
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
    # Swagger UI sets inline styles; allow them on the docs page (and schema) only.
    docs_decorator=csp_update({"style-src": ["'unsafe-inline'"]}),
)


def require_token_perm(request, perm: str):
    """Integration tokens need the named permission; people are limited by their scope alone."""
    checker = getattr(request.auth, "has_token_perm", None)
    if checker is not None and not checker(perm):
        raise HttpError(403, str(_("This token lacks the permission %(perm)s.") % {"perm": perm}))


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": str(_("Permission denied."))}, status=403)


from shouwang.incidents.api import router as incidents_router  # noqa: E402
from shouwang.org.api import router as org_router  # noqa: E402
from shouwang.plans.api import router as plans_router  # noqa: E402
from shouwang.reports.api import router as reports_router  # noqa: E402

api.add_router("/", org_router)
api.add_router("/", reports_router)
api.add_router("/", plans_router)
api.add_router("/", incidents_router)

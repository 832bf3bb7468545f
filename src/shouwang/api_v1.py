"""The /api/v1 root: one NinjaAPI, each domain app contributes a router. It sits above every
app (it imports their routers); the apps' routers use shouwang.api (tokens, input types, the
token permission check), which sits low."""

from csp.decorators import csp_update
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.security import django_auth

from shouwang.api.auth import TokenAuth

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


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": str(_("Permission denied."))}, status=403)


from shouwang.accountability.api import router as accountability_router  # noqa: E402
from shouwang.api.org import router as org_router  # noqa: E402
from shouwang.incidents.api import router as incidents_router  # noqa: E402
from shouwang.notify.api import router as notify_router  # noqa: E402
from shouwang.plans.api import router as plans_router  # noqa: E402
from shouwang.reports.api import router as reports_router  # noqa: E402

api.add_router("/", org_router)
api.add_router("/", reports_router)
api.add_router("/", notify_router)
api.add_router("/", plans_router)
api.add_router("/", incidents_router)
api.add_router("/", accountability_router)

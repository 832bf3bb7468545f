"""The /api/v1 root: one NinjaAPI, each domain app contributes a router."""

from csp.decorators import csp_update
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import django_auth

from .auth import TokenAuth

ERROR_OUT = {"type": "object", "title": "ErrorOut", "required": ["detail"],
             "properties": {"detail": {"type": "string", "description": "why, in the request's language"}}}
FIELD_ERRORS_OUT = {"type": "object", "title": "FieldErrorsOut", "required": ["detail"], "properties": {"detail": {
    "type": "object", "description": "field (or header, or __all__) → messages",
    "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}
ERRORS = {
    "400": ("The body could not be read as the declared media type (not JSON, a broken multipart)", "ErrorOut"),
    "401": ("Not signed in, or an unknown or revoked token", "ErrorOut"),
    "403": ("Not allowed: a token without the permission, or a person whose posts do not allow it", "ErrorOut"),
    "404": ("Not found, or outside what the caller may see (the same answer)", "ErrorOut"),
    "422": ("The request did not validate: messages per field", "FieldErrorsOut"),
}


class StrictParser(Parser):
    """A JSON body is an object (or a list): `null` read as "no fields" let POST …/ack with a
    body of null through as if {} had been sent."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if not isinstance(data, (dict, list)):
            raise ValueError("the body must be a JSON object")
        return data


class ShouwangAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """ninja documents the answers a view declares; every operation can also answer 401,
        403, 404 and 422 (bad parameters or body, before the view runs): say so, with the body
        each one really has."""
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("ErrorOut", ERROR_OUT)
        components.setdefault("FieldErrorsOut", FIELD_ERRORS_OUT)
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                for code, (description, component) in ERRORS.items():
                    responses.setdefault(code, {"description": description, "content": {
                        "application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}}})
        return schema


api = ShouwangAPI(
    title="守望 Shouwang API",
    version="1",
    description=str(_("Scoped access to the organisation, students and early-warning reports. "
                      "Authenticate with a browser session or `Authorization: Bearer <token>`.")),
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
    parser=StrictParser(),
    # Swagger UI sets inline styles; allow them on the docs page (and schema) only.
    docs_decorator=csp_update({"style-src": ["'unsafe-inline'"]}),
)


def perm_auth(perm: str) -> list:
    """`auth=` for an operation a token may call only with `perm` (refused before validation)."""
    return [TokenAuth(perm), django_auth]


PEOPLE_ONLY = [TokenAuth(people_only=True), django_auth]


def require_token_perm(request, perm: str):
    """Integration tokens need the named permission; people are limited by their scope alone."""
    checker = getattr(request.auth, "has_token_perm", None)
    if checker is not None and not checker(perm):
        raise HttpError(403, str(_("This token lacks the permission %(perm)s.") % {"perm": perm}))


@api.exception_handler(PermissionDenied)
def permission_denied(request, exc):
    return api.create_response(request, {"detail": str(_("Permission denied."))}, status=403)


@api.exception_handler(ValidationError)
def validation_errors(request, exc):
    """ninja's [{loc, msg, type}] in the shape the services' errors have: {field: [messages]}."""
    detail: dict[str, list[str]] = {}
    for error in exc.errors:
        parts = [str(p) for p in error.get("loc", ())[1:]]
        if len(parts) > 1 and parts[0] == "payload":
            parts = parts[1:]
        detail.setdefault(".".join(parts) or "__all__", []).append(str(error.get("msg", "")))
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(OverflowError)
def id_out_of_range(request, exc):
    # An id past 64 bits in a path or a query (SQLite: "Python int too large") names no row.
    return api.create_response(request, {"detail": str(_("Not found."))}, status=404)


from shouwang.incidents.api import router as incidents_router  # noqa: E402
from shouwang.org.api import router as org_router  # noqa: E402
from shouwang.plans.api import router as plans_router  # noqa: E402
from shouwang.reports.api import router as reports_router  # noqa: E402

api.add_router("/", org_router)
api.add_router("/", reports_router)
api.add_router("/", plans_router)
api.add_router("/", incidents_router)

"""The /api/v1 root: one NinjaAPI, each domain app contributes a router. It sits above every
app (it imports their routers); the apps' routers use shouwang.api (tokens, input types, the
token permission check), which sits low."""

from csp.decorators import csp_update
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI, Swagger
from ninja.errors import ValidationError
from ninja.parser import Parser
from ninja.security import django_auth

from shouwang.api.auth import TokenAuth

# The docs page's words, Chinese first (English with the language switch): one table here, by
# method and path, so the routes of each app need not change and a route that moves keeps them.
SUMMARIES = {
    ("get", "/units"): _("Units the caller may see"),
    ("get", "/units/{code}"): _("One unit"),
    ("get", "/units/{code}/posts"): _("Current posts at a unit"),
    ("get", "/people/{person_id}/posts"): _("A person's current posts"),
    ("get", "/students"): _("Search students by student number or name"),
    ("get", "/students/{student_no}"): _("One student"),
    ("post", "/reports"): _("File a report"),
    ("get", "/reports"): _("Reports the caller may see"),
    ("get", "/reports/{report_id}"): _("One report"),
    ("post", "/reports/{report_id}/updates"): _("Append an update"),
    ("post", "/reports/{report_id}/ack"): _("Acknowledge a report"),
    ("get", "/reports/{report_id}/timeline"): _("Every event of a report"),
    ("post", "/reports/{report_id}/attachments"): _(
        "Append an update with files (multipart: text, files)"
    ),
    ("get", "/reports/{report_id}/attachments/{attachment_id}"): _(
        "Download an attachment (sniffed content type, never shown inline)"
    ),
    ("get", "/inbox"): _("The caller's in-app messages"),
    ("get", "/plans"): _("Emergency plans"),
    ("post", "/plans/check"): _("Check a plan's YAML against the schema"),
    ("get", "/plans/{code}"): _("One plan"),
    ("get", "/incidents"): _("Incidents the caller may see"),
    ("post", "/incidents"): _("Activate a plan"),
    ("get", "/incidents/{incident_id}"): _("One incident"),
    ("get", "/incidents/{incident_id}/tasks"): _("The incident's tasks"),
    ("post", "/incidents/{incident_id}/tasks/{task_id}/done"): _("Mark a task done"),
    ("post", "/incidents/{incident_id}/level"): _(
        "Raise or lower the level; returns the tasks added"
    ),
    ("get", "/incidents/{incident_id}/decisions"): _("The incident's decisions"),
    ("post", "/incidents/{incident_id}/decisions"): _("Record a decision"),
    ("post", "/incidents/{incident_id}/updates"): _("Situation update"),
    ("post", "/incidents/{incident_id}/arrivals"): _("The caller has arrived on scene"),
    ("post", "/incidents/{incident_id}/external-reports"): _(
        "A report sent upward outside the school"
    ),
    ("get", "/incidents/{incident_id}/releases"): _("The incident's statements"),
    ("post", "/incidents/{incident_id}/releases"): _("Draft an external statement"),
    ("post", "/incidents/{incident_id}/releases/{release_id}/publish"): _(
        "Publish a statement (publicity office only; anyone else gets 403)"
    ),
    ("post", "/incidents/{incident_id}/close"): _("Close the incident"),
    ("get", "/incidents/{incident_id}/aftermath"): _("The aftermath of a closed incident"),
    ("get", "/aftermath/{aftermath_id}"): _("One aftermath: investigation and items"),
    ("put", "/aftermath/{aftermath_id}/investigation"): _(
        "Record the investigation: cause, process, consequences"
    ),
    ("get", "/aftermath-items"): _("The caller's open aftermath items"),
    ("post", "/aftermath/{aftermath_id}/items/{item_id}"): _("Update an aftermath item's status"),
    ("put", "/reviews/{review_id}/sections/{key}"): _(
        "Edit a review section (refused once frozen)"
    ),
    ("post", "/reviews/{review_id}/sign-off"): _(
        "Sign off a review (the group head); then it is frozen"
    ),
    ("post", "/reviews/{review_id}/amendments"): _("Amend a signed-off review (appended)"),
    ("get", "/corrective-actions"): _("Corrective actions the caller may see, by due date"),
    ("get", "/corrective-actions/red-counts"): _("Red corrective actions per unit"),
    ("get", "/corrective-actions/{action_id}"): _("One corrective action"),
    ("post", "/corrective-actions/{action_id}/submit"): _(
        "Submit a corrective action's evidence for inspection"
    ),
    ("post", "/aftermath/{aftermath_id}/attachments"): _("Add evidence files to the investigation"),
    ("post", "/corrective-actions/{action_id}/progress/files"): _(
        "Report a corrective action's progress with evidence files"
    ),
    ("post", "/corrective-actions/{action_id}/submit/files"): _(
        "Submit a corrective action for inspection with evidence files"
    ),
    ("get", "/incidents/{incident_id}/documents"): _("An incident's documents"),
    ("get", "/documents/{document_id}"): _("A document's state and progress"),
    ("get", "/documents/{document_id}/file"): _("Download a generated document"),
    ("get", "/findings"): _("Accountability findings the caller may see"),
    ("get", "/findings/{finding_id}"): _("One accountability finding"),
}
TAGS = {
    "organisation": _("Organisation"),
    "reports": _("Reports"),
    "plans": _("Plans"),
    "incidents": _("Incidents"),
    "aftermath": _("Aftermath and review"),
    "documents": _("Documents"),
    "accountability": _("Accountability"),
    "monitoring": _("Daily monitoring"),
    "leave": _("Leave and off-campus lodging"),
    "campaigns": _("Hazard campaigns"),
    "care": _("Care ledger"),
    "talks": _("Talks and parent contacts"),
    "handovers": _("Handovers"),
    "studies": _("Attendance and grades"),
    "screening": _("Screening"),
}


ERROR_OUT = {
    "type": "object",
    "title": "ErrorOut",
    "required": ["detail"],
    "properties": {"detail": {"type": "string", "description": "why, in the request's language"}},
}
FIELD_ERRORS_OUT = {
    "type": "object",
    "title": "FieldErrorsOut",
    "required": ["detail"],
    "properties": {
        "detail": {
            "type": "object",
            "description": "field (or header, or __all__) → messages",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        }
    },
}
ERRORS = {
    "400": (
        "The body could not be read as the declared media type (not JSON, a broken multipart)",
        "ErrorOut",
    ),
    "401": ("Not signed in, or an unknown or revoked token", "ErrorOut"),
    "403": (
        "Not allowed: a token without the permission, or a person whose posts do not allow it",
        "ErrorOut",
    ),
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
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        """The schema in the language of the request (summaries and tags from the tables above)."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        root = path_prefix if path_prefix is not None else self.get_root_path(path_params or {})
        for path, operations in schema.get("paths", {}).items():
            short = "/" + path.removeprefix(root).lstrip("/")
            for method, operation in operations.items():
                if (method, short) in SUMMARIES:
                    operation["summary"] = str(SUMMARIES[method, short])
                operation["tags"] = [str(TAGS.get(tag, tag)) for tag in operation.get("tags", [])]
                # ninja documents the answers a view declares; every operation can also answer
                # 400, 401, 403, 404 and 422 (bad parameters or body, before the view runs).
                responses = operation.setdefault("responses", {})
                for code, (description, component) in ERRORS.items():
                    responses.setdefault(
                        code,
                        {
                            "description": description,
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": f"#/components/schemas/{component}"}
                                }
                            },
                        },
                    )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("ErrorOut", ERROR_OUT)
        components.setdefault("FieldErrorsOut", FIELD_ERRORS_OUT)
        schema["info"]["description"] = str(DESCRIPTION)
        return schema


class PhoneSwagger(Swagger):
    """Swagger UI with a viewport, so the docs page is readable on a phone."""

    template = "api/swagger.html"


DESCRIPTION = _(
    "Scoped access to the organisation, students and early-warning reports. "
    "Authenticate with a browser session or `Authorization: Bearer <token>`."
)

api = ShouwangAPI(
    title="守望 Shouwang API",
    version="1",
    description=str(DESCRIPTION),
    docs=PhoneSwagger(),
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
    parser=StrictParser(),
    # Swagger UI sets inline styles; allow them on the docs page (and schema) only.
    docs_decorator=csp_update({"style-src": ["'unsafe-inline'"]}),
)


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


from shouwang.accountability.api import router as accountability_router  # noqa: E402
from shouwang.aftermath.api import router as aftermath_router  # noqa: E402
from shouwang.api.org import router as org_router  # noqa: E402
from shouwang.documents.api import router as documents_router  # noqa: E402
from shouwang.incidents.api import router as incidents_router  # noqa: E402
from shouwang.notify.api import router as notify_router  # noqa: E402
from shouwang.plans.api import router as plans_router  # noqa: E402
from shouwang.reports.api import router as reports_router  # noqa: E402

api.add_router("/", org_router)
api.add_router("/", reports_router)
api.add_router("/", notify_router)
api.add_router("/", plans_router)
api.add_router("/", incidents_router)
api.add_router("/", aftermath_router)
api.add_router("/", documents_router)
api.add_router("/", accountability_router)

# The modules of issues 16 and 17 keep their summaries beside their routes.
from shouwang.campaigns import api as campaigns_api  # noqa: E402
from shouwang.care import api as care_api  # noqa: E402
from shouwang.handovers import api as handovers_api  # noqa: E402
from shouwang.leave import api as leave_api  # noqa: E402
from shouwang.monitoring import api as monitoring_api  # noqa: E402
from shouwang.screening import api as screening_api  # noqa: E402
from shouwang.studies import api as studies_api  # noqa: E402
from shouwang.talks import api as talks_api  # noqa: E402

for _module in (
    monitoring_api,
    leave_api,
    campaigns_api,
    care_api,
    talks_api,
    handovers_api,
    studies_api,
    screening_api,
):
    api.add_router("/", _module.router)
    SUMMARIES.update(_module.SUMMARIES)

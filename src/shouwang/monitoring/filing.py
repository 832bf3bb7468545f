"""Filing and resolving the rules' reports through reports' services.

`reports.services.reports_file_automatic` / `report_resolve_automatic` (the lead's, bulk, routed
by the worker in batches) are used when present. Until they land, the same contract is met with
the services reports already has: each report filed by monitoring's own integration token
(`report_file` with `api_token`, so the worker routes them in batches, as it routes a gate
system's), and a resolution appended as an update (`report_update_add`)."""

from django.utils.translation import gettext_lazy as _

from shouwang.api.models import ApiToken
from shouwang.api.principal import TokenPrincipal
from shouwang.api.services import token_create
from shouwang.org.models import Unit
from shouwang.org.scope import Scope
from shouwang.reports import services as report_services
from shouwang.reports.models import Report

SOURCE = "monitoring"
TOKEN_NAME = "守望·日常监测规则"
TOKEN_PERMS = ["reports.write", "reports.read"]


def _principal():
    token = ApiToken.objects.filter(name=TOKEN_NAME, revoked_at__isnull=True).first()
    if token is None:
        root = Unit.objects.filter(parent__isnull=True).order_by("pk").first()
        token, _raw = token_create(actor=None, name=TOKEN_NAME, unit=root, permissions=TOKEN_PERMS)
    return TokenPrincipal(
        token=token, token_scope=Scope(everything=True), permissions=frozenset(TOKEN_PERMS)
    )


def file_reports(*, items: list[dict], now) -> list[Report]:
    """items: {key, category, severity, unit (code), students (学号), occurred_at, place,
    description} → the reports, in the items' order. Runs in the caller's transaction."""
    if not items:
        return []
    bulk = getattr(report_services, "reports_file_automatic", None)
    if bulk is not None:
        return list(bulk(source=SOURCE, items=items, now=now))
    principal = _principal()
    return [
        report_services.report_file(
            actor=principal,
            category=item["category"],
            severity=item["severity"],
            unit=item["unit"],
            occurred_at=item["occurred_at"],
            place=item["place"],
            description=item["description"],
            students=item["students"],
            api_token=principal.token,
            now=now,
        )
        for item in items
    ]


def resolve_report(*, report_id: int, note: str, now) -> None:
    report = Report.objects.get(pk=report_id)
    one = getattr(report_services, "report_resolve_automatic", None)
    if one is not None:
        one(report=report, note=note, source=SOURCE, now=now)
        return
    report_services.report_update_add(actor=_principal(), report=report, text=note, now=now)


RESOLVED_NOTE = _("Back at %(time)s (%(source)s): resolved automatically.")

"""Filing and resolving the rules' reports through reports' services:
`reports.services.reports_file_automatic` (bulk, one transaction, routed by the worker in
batches; one report per key, ever) and `report_resolve_automatic` (the note appended; resolved
on the record if nobody had acted, never deleted). The fallback below (each report filed with
`report_file` by monitoring's own integration token, a resolution appended as an update) is
what ran before those services landed on main; it stays only for a reports app without them."""

from django.utils.translation import gettext_lazy as _

from shouwang.api.models import ApiToken
from shouwang.api.principal import TokenPrincipal
from shouwang.api.services import token_create
from shouwang.org.models import Student, Unit
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
    description} → the reports, in the items' order (a key filed before answers with its
    report). Runs in the caller's transaction."""
    if not items:
        return []
    bulk = getattr(report_services, "reports_file_automatic", None)
    if bulk is not None:
        units = {u.code: u for u in Unit.objects.filter(code__in={i["unit"] for i in items})}
        students = Student.objects.in_bulk(
            {no for i in items for no in i["students"]}, field_name="student_no"
        )
        bulk(
            source=SOURCE,
            items=[
                {
                    **item,
                    "unit": units[item["unit"]],
                    "students": [students[no] for no in item["students"]],
                }
                for item in items
            ],
            now=now,
        )
        by_key = {
            r.source_key: r
            for r in Report.objects.filter(source_key__in=[i["key"] for i in items]).only(
                "pk", "source_key"
            )
        }
        return [by_key[item["key"]] for item in items]
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

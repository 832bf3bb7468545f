"""Accountability pages: the findings (scoped), one finding with its evidence and its decision
flow, 学生处's detector button and limits, and the statistics page with charts and .xlsx."""

import datetime
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from shouwang.escalation.levels import Severity
from shouwang.reports.models import Category

from . import permissions, selectors, services
from .models import Finding, ReportingLimit

MAX_RANGE_DAYS = 3 * 366
PAGE = 200


def _refused(request, exc, status=403):
    return render(
        request,
        "accountability/refused.html",
        {"reason": str(exc) or _("Permission denied.")},
        status=status,
    )


@login_required
@require_GET
def finding_list(request):
    kind = request.GET.get("kind", "")
    state = request.GET.get("state", "")
    kind = kind if kind in Finding.Kind.values else ""
    state = state if state in Finding.State.values else ""
    findings = list(selectors.finding_list(request.user, kind=kind, state=state)[:PAGE])
    return render(
        request,
        "accountability/list.html",
        {
            "findings": findings,
            "kind": kind,
            "state": state,
            "kinds": Finding.Kind.choices,
            "states": Finding.State.choices,
            "may_run": permissions.can_run_detector(request.user),
        },
    )


@login_required
@require_GET
def finding_detail(request, pk):
    finding = selectors.finding_get(request.user, pk)
    return render(
        request,
        "accountability/detail.html",
        {
            "finding": finding,
            "evidence": selectors.finding_evidence(finding),
            "attachments": list(finding.attachments.all()),
            "may_explain": finding.person_id == request.user.pk
            and finding.state in ("open", "explained"),
            "may_decide": permissions.can_decide(request.user)
            and finding.state in ("open", "explained"),
            "is_false_report": finding.kind == Finding.Kind.FALSE_REPORT,
        },
    )


@login_required
@require_POST
def finding_explain(request, pk):
    finding = selectors.finding_get(request.user, pk)
    try:
        services.finding_explain(
            actor=request.user,
            finding=finding,
            text=request.POST.get("text", "")[:8000],
            attachments=request.FILES.getlist("attachments"),
        )
    except PermissionDenied as exc:
        return _refused(request, exc)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
        return redirect("accountability_finding", pk=pk)
    messages.success(request, _("Your explanation is recorded."))
    return redirect("accountability_finding", pk=pk)


@login_required
@require_POST
def finding_decide(request, pk):
    finding = selectors.finding_get(request.user, pk)
    deliberate = {"yes": True, "no": False}.get(request.POST.get("deliberate", ""))
    try:
        services.finding_decide(
            actor=request.user,
            finding=finding,
            outcome=request.POST.get("outcome", ""),
            reason=request.POST.get("reason", "")[:8000],
            deliberate=deliberate,
        )
    except PermissionDenied as exc:
        return _refused(request, exc)
    except ValidationError as exc:
        for msg in exc.messages:
            messages.error(request, msg)
        return redirect("accountability_finding", pk=pk)
    messages.success(request, _("The decision is recorded."))
    return redirect("accountability_finding", pk=pk)


@login_required
@require_POST
def detector_run(request):
    try:
        result = services.detector_run(actor=request.user)
    except PermissionDenied as exc:
        return _refused(request, exc)
    messages.success(request, _("Detector run: %(n)d new finding(s).") % {"n": result["created"]})
    return redirect("accountability_findings")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])  # a form page: anything else is 405
def limits(request):
    may_edit = permissions.can_edit_limits(request.user)
    status = 200
    if request.method == "POST":
        code = request.POST.get("category", "")[:40]
        category = Category.objects.filter(code=code).first() if code else None
        try:
            if code and category is None:
                raise ValidationError(_("Choose a report category from the list."))
            services.limit_set(
                actor=request.user,
                severity=request.POST.get("severity", ""),
                category=category,
                minutes=request.POST.get("minutes", "")[:10],
                required_at=request.POST.get("required_at", "")[:60],
            )
        except PermissionDenied as exc:
            return _refused(request, exc)
        except ValidationError as exc:
            for msg in exc.messages:
                messages.error(request, msg)
            status = 400
        else:
            messages.success(request, _("The limit is saved."))
            return redirect("accountability_limits")
    rows = list(ReportingLimit.objects.select_related("category"))
    order = {s: i for i, s in enumerate(reversed(Severity.values))}
    rows.sort(key=lambda r: (r.category.sort_order if r.category else -1, order.get(r.severity, 9)))
    return render(
        request,
        "accountability/limits.html",
        {
            "limits": rows,
            "may_edit": may_edit,
            "levels": services.LEVELS,
            "severities": Severity.choices,
            "categories": Category.objects.filter(is_active=True),
        },
        status=status,
    )


def _period(request):
    """[since, until) from ?since=YYYY-MM-DD&until=YYYY-MM-DD; the last 12 months by default."""
    today = timezone.localdate()
    try:
        until = (
            datetime.date.fromisoformat(request.GET["until"]) if request.GET.get("until") else today
        )
        since = (
            datetime.date.fromisoformat(request.GET["since"])
            if request.GET.get("since")
            else until - datetime.timedelta(days=365)
        )
    except ValueError as exc:
        raise ValidationError(_("Enter dates as YYYY-MM-DD.")) from exc
    if since > until or (until - since).days > MAX_RANGE_DAYS:
        raise ValidationError(
            _("Choose a period of at most three years, the start before the end.")
        )
    start = timezone.make_aware(datetime.datetime.combine(since, datetime.time()))
    end = timezone.make_aware(
        datetime.datetime.combine(until + datetime.timedelta(days=1), datetime.time())
    )
    return since, until, start, end


@login_required
@require_GET
def statistics(request):
    try:
        since, until, start, end = _period(request)
    except ValidationError as exc:
        return render(
            request, "accountability/refused.html", {"reason": exc.messages[0]}, status=400
        )
    stats = selectors.statistics(request.user, since=start, until=end)
    chart = {
        "kinds": [label for _k, label in stats["kinds"]],
        "units": [u["unit"] for u in stats["units"]],
        "unitKinds": [[u["kinds"][k] for u in stats["units"]] for k, _l in stats["kinds"]],
        "months": [m["key"] for m in stats["metrics"]["month"]],
        "ack": [m["ack"] for m in stats["metrics"]["month"]],
        "scene": [m["scene"] for m in stats["metrics"]["month"]],
        "close": [m["close"] for m in stats["metrics"]["month"]],
        "labels": {
            "ack": _("To acknowledge"),
            "scene": _("To first on scene"),
            "close": _("To close"),
            "minutes": _("minutes (mean)"),
        },
        "people": [p["name"] for p in stats["people"][:20]],
        "received": [p["received"] for p in stats["people"][:20]],
        "night": [p["night"] for p in stats["people"][:20]],
        "loadLabels": {
            "received": _("Reports received"),
            "night": _("Night interruptions (22:00–07:00)"),
        },
    }
    return render(
        request,
        "accountability/statistics.html",
        {
            **stats,
            "since": since,
            "until": until,
            "chart": chart,
            "dimensions": [
                ("unit", _("By unit")),
                ("category", _("By category")),
                ("month", _("By month")),
            ],
        },
    )


@login_required
@require_GET
def statistics_xlsx(request):
    try:
        since, until, start, end = _period(request)
    except ValidationError as exc:
        return render(
            request, "accountability/refused.html", {"reason": exc.messages[0]}, status=400
        )
    stats = selectors.statistics(request.user, since=start, until=end)
    book = Workbook()
    sheet = book.active
    sheet.title = _("People")
    kinds = stats["kinds"]
    sheet.append(
        [
            _("Person"),
            _("Reports received"),
            _("Night interruptions (22:00–07:00)"),
            _("Mean minutes to acknowledge"),
            _("Missed acknowledgements"),
            _("Mean minutes to arrive"),
            *[label for _k, label in kinds],
        ]
    )
    for p in stats["people"]:
        sheet.append(
            [
                p["name"],
                p["received"],
                p["night"],
                p["ack_mean"],
                p["missed"],
                p["arrive_mean"],
                *[p["kinds"][k] for k, _l in kinds],
            ]
        )
    units = book.create_sheet(_("Units"))
    units.append([_("Unit"), *[label for _k, label in kinds], _("Total")])
    for u in stats["units"]:
        units.append([u["unit"], *[u["kinds"][k] for k, _l in kinds], u["total"]])
    for dimension, title in (
        ("unit", _("Metrics by unit")),
        ("category", _("Metrics by category")),
        ("month", _("Metrics by month")),
    ):
        sheet = book.create_sheet(title)
        sheet.append(
            [
                _("Group"),
                _("Reports"),
                _("Incidents"),
                _("Mean minutes to acknowledge"),
                _("Mean minutes to first on scene"),
                _("Mean minutes to close"),
            ]
        )
        for m in stats["metrics"][dimension]:
            sheet.append([m["key"], m["reports"], m["incidents"], m["ack"], m["scene"], m["close"]])
    out = io.BytesIO()
    book.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="accountability-{since}-{until}.xlsx"'
    return response

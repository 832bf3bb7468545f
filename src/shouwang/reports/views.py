"""Report pages. Thin: parse with a form, call a service or selector, render. A service's
ValidationError lands on the form's fields, so the person sees Chinese errors and nothing is
written. One-tap links and the inbox's section for reports are in views_ack.py (the inbox
itself is notify's)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms import TextInput
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shouwang.notify import services as inbox_services
from shouwang.org import selectors as org

from . import hooks, selectors, services
from .attachments import safe_name
from .forms import (
    AckForm,
    DecideForm,
    ExternalForm,
    ReportForm,
    SeverityForm,
    UpdateForm,
    VerifyForm,
    split_codes,
)
from .models import Report, Severity
from .permissions import approves_downgrade, can_verify
from .timeline import durations, timeline_rows


def apply_errors(form, exc: ValidationError):
    """A service's {field: message} errors onto the form, so they show beside the fields."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, messages_ in errors.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])  # a form page: anything else is 405
def report_new(request):
    posted = request.method == "POST"
    form = ReportForm(
        request.POST if posted else None, request.FILES if posted else None, viewer=request.user
    )
    if posted and form.is_valid():
        try:
            report = services.report_file(actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Report #%(id)d filed and sent to the responsible people.") % {"id": report.pk},
            )
            return redirect("report_detail", report.pk)
    elif posted:
        # Every problem in one round: the service's checks on the fields that did parse.
        unflagged = {
            field: problems
            for field, problems in services.report_file_errors(
                actor=request.user, **form.service_kwargs()
            ).items()
            if field not in form.errors
        }
        if unflagged:
            apply_errors(form, ValidationError(unflagged))
    return render(request, "reports/new.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def report_list(request):
    filters = {
        key: request.GET.get(key) or None
        for key in ("category", "severity", "ack_state", "verification")
    }
    page = Paginator(selectors.report_list(request.user, **filters), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "reports/list.html",
        {
            "page": page,
            "filters": filters,
            "categories": selectors.categories_active(),
            "severities": Severity.choices,
            "ack_states": Report.AckState.choices,
            "verifications": Report.Verification.choices,
        },
    )


def _detail(request, report, status=200, **bound_forms):
    """The report page; a form that failed is passed bound, so its errors show in place."""
    students_count = report.students.count()
    forms = {
        "ack_form": AckForm(),
        "update_form": UpdateForm(),
        "verify_form": VerifyForm(),
        "decide_form": DecideForm(),
        "external_form": ExternalForm(),
        "severity_form": SeverityForm(initial={"severity": report.severity}),
        **bound_forms,
    }
    reporter = selectors.reporter_label(request.user, report)
    if (
        report.reporter is not None and reporter == report.reporter.display_name
    ):  # not a covert observer's
        reporter = selectors.person_with_post(report.reporter, report.unit)
    return render(
        request,
        "reports/detail.html",
        {
            "report": report,
            "reporter": reporter,
            "students": report.students.select_related("klass"),
            "updates": selectors.report_updates(request.user, report),
            "attachments": report.attachments.filter(update__isnull=True),
            "externals": report.external_reports.all(),
            "pending_ack": selectors.my_pending_acks(request.user).filter(report=report).exists(),
            "can_verify": can_verify(request.user, report),
            "approves_downgrade": approves_downgrade(request.user),
            **hooks.page_context(request.user, report),
            "outcome": selectors.report_outcome(request.user, report),
            # 涉及人数 when no number was given: the students listed are the people involved.
            "people_shown": report.people_count
            if report.people_count is not None
            else (students_count or None),
            **forms,
        },
        status=status,
    )


@login_required
def report_detail(request, report_id):
    report = selectors.report_get(request.user, report_id)
    # Opening the report reads its messages: the header badge counts what is still unseen.
    inbox_services.inbox_mark_read(
        person=request.user,
        delivery_ids=selectors.report_inbox_ids(request.user, report),
        now=timezone.now(),
    )
    return _detail(request, report)


def _post_action(request, report_id, form_class, form_name, action, success, then=None):
    """Parse, act, and either redirect with a success message or show the page again with the
    form's (and the service's) field errors — nothing written in that case. `then(report)` may
    name where to go next instead of the report page."""
    report = selectors.report_get(request.user, report_id)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            action(report, form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, success)
            # The inbox's one-tap buttons come back to the inbox; everything else to the report.
            if request.POST.get("next") == "inbox":
                return redirect("inbox")
            return redirect((then and then(report)) or reverse("report_detail", args=[report.pk]))
    messages.error(request, _("Nothing was saved: please correct the errors below."))
    return _detail(request, report, status=400, **{form_name: form})


@login_required
@require_POST
def report_ack(request, report_id):
    return _post_action(
        request,
        report_id,
        AckForm,
        "ack_form",
        lambda r, d: services.report_acknowledge(
            actor=request.user, report=r, channel="web", note=d["note"]
        ),
        _("Acknowledged. It is on the record."),
    )


@login_required
@require_POST
def report_update(request, report_id):
    return _post_action(
        request,
        report_id,
        UpdateForm,
        "update_form",
        lambda r, d: services.report_update_add(
            actor=request.user,
            report=r,
            text=d["text"],
            people_count=d["people_count"],
            trend=d["trend"],
            occurred_at=d["occurred_at"],
            place=d["place"],
            attachments=d["attachments"],
        ),
        _("Update added."),
    )


@login_required
@require_POST
def report_verify(request, report_id):
    def act(report, d):
        original = None
        if d["duplicate_of"]:
            original = selectors.reports_visible(request.user).filter(pk=d["duplicate_of"]).first()
            if original is None:
                raise ValidationError(
                    {"duplicate_of": _("Choose the original report this one repeats.")}
                )
        services.report_verify(
            actor=request.user,
            report=report,
            verdict=d["verdict"],
            note=d["note"],
            duplicate_of=original,
        )

    return _post_action(
        request, report_id, VerifyForm, "verify_form", act, _("Verification recorded.")
    )


@login_required
@require_POST
def report_decide(request, report_id):
    def activation(report):
        # 启动应急预案: straight on to activating it, the plan for the report's category suggested.
        if (
            request.POST.get("decision") == Report.Decision.PLAN
            and hooks.page_context(request.user, report)["can_activate_plan"]
        ):
            return f"{reverse('incident_new')}?report={report.pk}"
        return None

    return _post_action(
        request,
        report_id,
        DecideForm,
        "decide_form",
        lambda r, d: services.report_decide(
            actor=request.user, report=r, decision=d["decision"], note=d["note"]
        ),
        _("Decision recorded."),
        then=activation,
    )


@login_required
@require_POST
def report_severity(request, report_id):
    def act(report, d):
        services.report_severity_change(
            actor=request.user, report=report, severity=d["severity"], reason=d["reason"]
        )

    return _post_action(
        request, report_id, SeverityForm, "severity_form", act, _("Severity changed.")
    )


@login_required
@require_POST
def report_external(request, report_id):
    return _post_action(
        request,
        report_id,
        ExternalForm,
        "external_form",
        lambda r, d: services.report_external_record(actor=request.user, report=r, **d),
        _("External report recorded."),
    )


@login_required
def report_timeline(request, report_id):
    report = selectors.report_get(request.user, report_id)
    return render(
        request,
        "reports/timeline.html",
        {
            "report": report,
            "rows": timeline_rows(request.user, report),
            "durations": durations(report),
        },
    )


@login_required
def attachment_download(request, report_id, attachment_id):
    report = selectors.report_get(
        request.user, report_id
    )  # out of scope: 404 before the file is looked at
    attachment = get_object_or_404(report.attachments, pk=attachment_id)
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=True,
        filename=safe_name(attachment.original_name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def student_lookup(request):
    """Filing form helper: students the reporter may see, by 学号 prefix or name."""
    query = request.GET.get("student_q", "").strip()
    results = list(org.student_search(request.user, query, limit=8)) if query else []
    return render(request, "reports/_student_lookup.html", {"query": query, "results": results})


@login_required
@require_GET
def student_pick(request):
    """Adds one 学号 to the form's students field and returns the field, swapped in by htmx.
    Scope is checked when the report is filed; this only edits the text."""
    codes = split_codes(request.GET.get("students", ""))
    add = request.GET.get("add", "").strip()
    if add and add not in codes:
        codes.append(add)
    return HttpResponse(
        TextInput(attrs={"id": "id_students", "autocomplete": "off"}).render(
            "students", " ".join(codes)
        )
    )

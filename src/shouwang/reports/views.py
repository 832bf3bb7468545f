"""Report pages. Thin: parse with a form, call a service or selector, render. A service's
ValidationError lands on the form's fields, so the person sees Chinese errors and nothing is
written."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shouwang.notify import selectors as inbox_selectors
from shouwang.notify import services as inbox_services

from . import acklinks, selectors, services
from .forms import AckForm, DecideForm, ExternalForm, ReportForm, UpdateForm, VerifyForm
from .models import Report, Severity
from .permissions import can_verify
from .timeline import timeline_rows


def _apply_errors(form, exc: ValidationError):
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, messages_ in errors.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


@login_required
def report_new(request):
    form = ReportForm(request.POST or None, request.FILES or None, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_file(actor=request.user, **form.service_kwargs())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Report #%(id)d filed and sent to the responsible people.") % {"id": report.pk})
            return redirect("report_detail", report.pk)
    return render(request, "reports/new.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def report_list(request):
    reports = selectors.report_list(
        request.user, category=request.GET.get("category") or None, severity=request.GET.get("severity") or None,
        ack_state=request.GET.get("ack_state") or None)
    page = Paginator(reports, 30).get_page(request.GET.get("page"))
    return render(request, "reports/list.html", {
        "page": page, "severities": Severity.choices, "ack_states": Report.AckState.choices,
        "filters": request.GET,
    })


@login_required
def report_detail(request, report_id):
    report = selectors.report_get(request.user, report_id)
    pending = selectors.my_pending_acks(request.user).filter(report=report).exists()
    allowed = can_verify(request.user, report)
    inbox_services.inbox_mark_read(
        person=request.user, delivery_ids=inbox_selectors.inbox(request.user)
        .filter(message__subject_type="reports.report", message__subject_id=str(report.pk)).values("pk"),
        now=timezone.now())
    return render(request, "reports/detail.html", {
        "report": report, "reporter": selectors.reporter_label(request.user, report),
        "students": report.students.select_related("klass"), "updates": report.updates.select_related("author"),
        "attachments": report.attachments.filter(update__isnull=True), "externals": report.external_reports.all(),
        "pending_ack": pending, "ack_form": AckForm(), "update_form": UpdateForm(),
        "can_verify": allowed, "verify_form": VerifyForm(), "decide_form": DecideForm(),
        "external_form": ExternalForm(),
    })


def _post_action(request, report_id, form_class, action, success):
    report = selectors.report_get(request.user, report_id)
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        try:
            action(report, form.cleaned_data)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
        else:
            messages.success(request, success)
    else:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label if field in form.fields else ''} {error}")
    return redirect("report_detail", report.pk)


@login_required
@require_POST
def report_ack(request, report_id):
    return _post_action(request, report_id, AckForm, lambda r, d: services.report_acknowledge(
        actor=request.user, report=r, channel="web", note=d["note"]), _("Acknowledged. It is on the record."))


@login_required
@require_POST
def report_update(request, report_id):
    return _post_action(request, report_id, UpdateForm, lambda r, d: services.report_update_add(
        actor=request.user, report=r, text=d["text"], people_count=d["people_count"], trend=d["trend"],
        attachments=d["attachments"]), _("Update added."))


@login_required
@require_POST
def report_verify(request, report_id):
    def act(report, d):
        original = selectors.report_get(request.user, d["duplicate_of"]) if d["duplicate_of"] else None
        services.report_verify(actor=request.user, report=report, verdict=d["verdict"], note=d["note"],
                               duplicate_of=original)
    return _post_action(request, report_id, VerifyForm, act, _("Verification recorded."))


@login_required
@require_POST
def report_decide(request, report_id):
    return _post_action(request, report_id, DecideForm, lambda r, d: services.report_decide(
        actor=request.user, report=r, decision=d["decision"], note=d["note"]), _("Decision recorded."))


@login_required
@require_POST
def report_external(request, report_id):
    return _post_action(request, report_id, ExternalForm, lambda r, d: services.report_external_record(
        actor=request.user, report=r, **d), _("External report recorded."))


@login_required
def report_timeline(request, report_id):
    report = selectors.report_get(request.user, report_id)
    return render(request, "reports/timeline.html", {
        "report": report, "rows": timeline_rows(request.user, report),
        "durations": selectors.report_durations(report),
    })


@login_required
def attachment_download(request, report_id, attachment_id):
    report = selectors.report_get(request.user, report_id)
    attachment = get_object_or_404(report.attachments, pk=attachment_id)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type,
                            as_attachment=True, filename=attachment.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def inbox(request):
    items = Paginator(inbox_selectors.inbox(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "reports/inbox.html", {
        "pending": selectors.my_pending_acks(request.user), "items": items, "ack_form": AckForm(),
    })


@login_required
def inbox_badge(request):
    return render(request, "reports/_inbox_badge.html", {"count": inbox_selectors.inbox_unread_count(request.user)})


def ack_link(request, token):
    """GET shows what is being acknowledged (previews and link scanners must not acknowledge);
    POST acknowledges. The signed single-use token is the credential."""
    try:
        link = acklinks.ack_link_check(token)
    except ValidationError as exc:
        return render(request, "reports/ack_link.html", {"error": exc.messages[0]}, status=410)
    report = link.recipient.report
    if request.method == "POST":
        try:
            acklinks.ack_link_use(token=token, note=request.POST.get("note", "")[:500])
        except (ValidationError, PermissionDenied) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else _("Not allowed")
            return render(request, "reports/ack_link.html", {"error": message}, status=410)
        return render(request, "reports/ack_link.html", {"report": report, "done": True})
    return render(request, "reports/ack_link.html", {"report": report, "person": link.recipient.person})



"""Care ledger pages (phone-first). Every page that shows a file opens it through
selectors.file_open (the read on the timeline; 404 without need-to-know, the attempt logged).
Each POST view calls one service; a refusal re-shows the page with the reason and changes
nothing."""

import datetime
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shouwang import bounds
from shouwang.accounts.models import User
from shouwang.org.models import Student
from shouwang.org.scope import scope_for

from . import export, permissions, selectors, services, tiers
from .models import Via

P = lambda request, name: request.POST.get(name, "")  # noqa: E731


def _forbidden(request, exc):
    return render(
        request, "care/forbidden.html", {"reason": str(exc) or _("Permission denied.")}, status=403
    )


def _file_render(request, file, why, status=200, **extra):
    context = {
        **selectors.file_page(
            request.user, file, why, full_history=request.GET.get("history") == "all"
        ),
        "form_errors": {},
        "kept": {},
        **extra,
    }
    return render(request, "care/file.html", context, status=status)


def _open(request, pk, via="page"):
    return selectors.file_open(request.user, pk, via=via)


def _act(request, pk, form, call, success, failed_task=None):
    """Open the file for a change, run the service, then redirect or re-show with errors (a
    re-shown page is a read: recorded)."""
    file, why = selectors.file_open(request.user, pk, via="form", for_write=True)
    try:
        call(file)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    except ValidationError as exc:
        services.care_read_record(actor=request.user, file=file, via="page", why=why)
        return _file_render(
            request,
            file,
            why,
            400,
            form_errors={form: exc.messages},
            kept={form: request.POST},
            failed_task=failed_task,
            task_errors=exc.messages,
        )
    messages.success(request, success)
    return redirect("care_file", file.pk)


@login_required
@require_GET
def care_home(request):
    return render(request, "care/home.html", selectors.home(request.user))


def _student(request, errors):
    number = P(request, "student_no").strip()[:20]
    student = (
        Student.objects.filter(scope_for(request.user).q("klass__path"), student_no=number)
        .select_related("klass")
        .first()
        if number
        else None
    )
    if student is None:
        errors.append(_("No student with this number in your scope."))
    return student


@login_required
@require_http_methods(["GET", "POST"])
def care_file_new(request):
    context = {"risk_factors": tiers.risk_factors(), "errors": [], "kept": request.POST}
    if request.method == "POST":
        errors: list = []
        status = 400
        student = _student(request, errors)
        if student is None:
            status = 404  # not in the viewer's register: as if there were no such student
        else:
            via = Via.PSYCH if permissions.is_psych_centre(request.user) else Via.COUNSELLOR
            try:
                file = services.care_file_open_or_update(
                    actor=request.user,
                    student=student,
                    via=via,
                    risk_factors=request.POST.getlist("risk_factors")[:50],
                    note=P(request, "note"),
                )
            except PermissionDenied:
                errors.append(_("You may open care files only for the students you look after."))
                status = 403
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(request, _("Care file saved."))
                return redirect("care_file", file.pk)
        context["errors"] = errors
        return render(request, "care/new.html", context, status=status)
    return render(request, "care/new.html", context)


@login_required
@require_GET
def care_file(request, pk):
    file, why = _open(request, pk)
    return _file_render(request, file, why)


@login_required
@require_POST
def care_note(request, pk):
    return _act(
        request,
        pk,
        "note",
        lambda f: services.care_note_add(actor=request.user, file=f, text=P(request, "text")),
        _("Note added."),
    )


@login_required
@require_POST
def care_tier(request, pk):
    def call(f):
        services.care_tier_change(
            actor=request.user,
            file=f,
            tier=P(request, "tier"),
            reason=P(request, "reason"),
            activate_plan=P(request, "activate_plan") == "1",
        )

    return _act(request, pk, "tier", call, _("Tier changed."))


@login_required
@require_POST
def care_owner(request, pk):
    def call(f):
        raw = P(request, "owner")
        owner = None
        if raw:
            if not raw.isdigit() or len(raw) > 18:
                raise ValidationError({"owner": [_("Choose a person from the list.")]})
            owner = User.objects.filter(pk=int(raw)).first()
            if owner is None:
                raise ValidationError({"owner": [_("Choose a person from the list.")]})
        services.care_owner_set(actor=request.user, file=f, owner=owner)

    return _act(request, pk, "owner", call, _("Owner changed."))


@login_required
@require_POST
def care_task_done(request, pk, task_id):
    def call(f):
        task = f.tasks.filter(pk=task_id).first()
        if task is None:
            raise Http404
        services.care_task_complete(
            actor=request.user,
            task=task,
            note=P(request, "note"),
            upload=request.FILES.get("upload"),
        )

    return _act(request, pk, "task", call, _("Task recorded as done."), failed_task=task_id)


@login_required
@require_POST
def care_attachment_add(request, pk):
    def call(f):
        upload = request.FILES.get("upload")
        if upload is None:
            raise ValidationError({"upload": [_("Choose a file.")]})
        services.care_attachment_add(actor=request.user, file=f, upload=upload)

    return _act(request, pk, "attachment", call, _("Attachment stored (encrypted)."))


@login_required
@require_GET
def care_attachment(request, pk, attachment_id):
    _file, attachment = selectors.attachment_open(request.user, pk, attachment_id)
    response = HttpResponse(attachment.content, content_type=attachment.content_type)
    response["Content-Disposition"] = "attachment; filename*=UTF-8''" + quote(attachment.name)
    response["Cache-Control"] = "no-store"
    return response


def _dt(request, name):
    raw = P(request, name)[:20]
    try:
        value = datetime.datetime.fromisoformat(raw)
    except ValueError:
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


@login_required
@require_POST
def care_watch_add(request, pk):
    return _act(
        request,
        pk,
        "watch",
        lambda f: services.care_watch_add(
            actor=request.user,
            file=f,
            watcher=P(request, "watcher"),
            starts_at=_dt(request, "starts_at"),
            ends_at=_dt(request, "ends_at"),
        ),
        _("Shift added."),
    )


@login_required
@require_POST
def care_flag(request, pk):
    return _act(
        request,
        pk,
        "flag",
        lambda f: services.care_key_flag_set(
            actor=request.user, file=f, flagged=P(request, "flagged") == "1"
        ),
        _("Key-student flag saved."),
    )


@login_required
@require_POST
def care_diagnosis(request, pk):
    return _act(
        request,
        pk,
        "diagnosis",
        lambda f: services.care_diagnosis_set(
            actor=request.user, file=f, diagnosis=P(request, "diagnosis")
        ),
        _("Diagnosis saved."),
    )


@login_required
@require_POST
def care_grant_add(request, pk):
    def call(f):
        username = P(request, "grantee").strip()[:150]
        grantee = User.objects.filter(username=username).first() if username else None
        days = P(request, "days")
        services.care_grant_create(
            actor=request.user,
            file=f,
            grantee=grantee,
            days=int(days) if days.isdigit() and len(days) < 4 else 0,
            reason=P(request, "reason"),
        )

    return _act(request, pk, "grant", call, _("Access granted."))


@login_required
@require_POST
def care_grant_revoke(request, pk, grant_id):
    def call(f):
        grant = f.grants.filter(pk=grant_id).first()
        if grant is None:
            raise Http404
        services.care_grant_revoke(actor=request.user, grant=grant)

    return _act(request, pk, "grant", call, _("Access revoked."))


@login_required
@require_GET
def care_export(request, pk, fmt):
    now = timezone.now()
    file, _why = selectors.file_open(request.user, int(pk), via=f"export_{fmt}", now=now)
    if fmt == "xlsx":
        body, ctype = export.file_xlsx(file, request.user, now), export.XLSX
    else:
        body, ctype = export.file_pdf(file, request.user, now), "application/pdf"
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="care-{file.pk}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def care_status_request(request, pk):
    def call(f):
        services.care_status_request(
            actor=request.user, file=f, change=P(request, "change"), reason=P(request, "reason")
        )

    return _act(request, pk, "status", call, _("Sent to 学生处."))


def _status_page(request, status=200, **extra):
    context = {**selectors.status_requests(request.user), "errors": [], "failed": None, **extra}
    return render(request, "care/status_requests.html", context, status=status)


@login_required
@require_GET
def care_status_requests(request):
    return _status_page(request)


@login_required
@require_POST
def care_status_decide(request, task_id):
    task = selectors.status_task_get(request.user, task_id)
    decision = P(request, "decision")
    try:
        if decision not in ("approve", "decline"):
            raise ValidationError({"decision": [_("Carry it out or decline it.")]})
        services.care_status_request_decide(
            actor=request.user, task=task, approve=decision == "approve", note=P(request, "note")
        )
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    except ValidationError as exc:
        return _status_page(request, 400, errors=exc.messages, failed=task.pk)
    messages.success(
        request, _("Carried out.") if decision == "approve" else _("Declined; the file says why.")
    )
    return redirect("care_status_requests")


@login_required
@require_GET
def care_overdue(request):
    return render(
        request, "care/overdue.html", {"rows": selectors.overdue_in_colleges(request.user)}
    )


@login_required
@require_GET
def care_grants(request):
    return render(request, "care/grants.html", {"grants": selectors.grants_list(request.user)})


# ---- break-glass ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def care_break_glass_open(request):
    if not permissions.is_school_wide(request.user):
        raise Http404
    context = {"errors": [], "kept": request.POST}
    if request.method == "POST":
        file = selectors.file_for_student(request.user, P(request, "student_no").strip())
        if file is None:
            context["errors"] = [_("This student has no care file.")]
            return render(request, "care/break_glass_open.html", context, status=400)
        try:
            services.care_break_glass(actor=request.user, file=file, reason=P(request, "reason"))
        except PermissionDenied:
            # Already allowed by need-to-know or a grant: no glass to break.
            return redirect("care_file", file.pk)
        except ValidationError as exc:
            context["errors"] = exc.messages
            return render(request, "care/break_glass_open.html", context, status=400)
        return redirect("care_file", file.pk)
    return render(request, "care/break_glass_open.html", context)


@login_required
@require_GET
def care_break_glass_list(request):
    return render(
        request,
        "care/break_glass_list.html",
        {"openings": list(selectors.break_glass_list(request.user)[:200])},
    )


@login_required
@require_POST
def care_break_glass_review(request, glass_id):
    openings = selectors.break_glass_list(request.user)
    glass = openings.filter(pk=glass_id).first()
    if glass is None:
        raise Http404
    try:
        services.care_break_glass_review(actor=request.user, glass=glass, note=P(request, "note"))
    except ValidationError as exc:
        return render(
            request,
            "care/break_glass_list.html",
            {"openings": list(openings[:200]), "errors": exc.messages},
            status=400,
        )
    messages.success(request, _("Marked as reviewed."))
    return redirect("care_break_glass_list")


# ---- key-student lists ---------------------------------------------------------------------


def _date(request, name):
    raw = P(request, name)[:10]
    try:
        value = datetime.date.fromisoformat(raw)
    except ValueError:
        return None
    try:
        bounds.check_date(value)
    except ValidationError:
        return None
    return value


@login_required
@require_http_methods(["GET", "POST"])
def care_key_lists(request):
    may_produce = permissions.may_produce_key_list(request.user)
    context = {
        "lists": list(selectors.key_lists_for(request.user)[:100]),
        "may_produce": may_produce,
        "receivers": selectors.key_list_receivers() if may_produce else [],
        "errors": [],
        "kept": request.POST,
    }
    if request.method == "POST":
        if not may_produce:
            raise Http404
        raw = P(request, "receiver")
        receiver = (
            User.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 19 else None
        )
        try:
            key_list = services.key_list_produce(
                actor=request.user,
                term=P(request, "term"),
                starts_on=_date(request, "starts_on"),
                ends_on=_date(request, "ends_on"),
                receiver=receiver,
            )
        except ValidationError as exc:
            context["errors"] = exc.messages
            return render(request, "care/key_lists.html", context, status=400)
        messages.success(request, _("Key-student list produced and sent."))
        return redirect("care_key_list", key_list.pk)
    return render(request, "care/key_lists.html", context)


@login_required
@require_GET
def care_key_list(request, pk):
    key_list = selectors.key_list_get(request.user, pk)
    services.key_list_read_record(actor=request.user, key_list=key_list, via="page")
    return render(
        request,
        "care/key_list.html",
        {
            "key_list": key_list,
            "rows": export._key_rows(key_list),
            "may_ack": key_list.receiver_id == request.user.pk and not key_list.acknowledged_at,
            "mark": export.watermark(request.user, timezone.now()),
        },
    )


@login_required
@require_POST
def care_key_list_ack(request, pk):
    key_list = selectors.key_list_get(request.user, pk)
    try:
        services.key_list_acknowledge(actor=request.user, key_list=key_list)
    except PermissionDenied as exc:
        return _forbidden(request, exc)
    messages.success(request, _("Receipt acknowledged."))
    return redirect("care_key_list", key_list.pk)


@login_required
@require_GET
def care_key_list_export(request, pk, fmt):
    now = timezone.now()
    key_list = selectors.key_list_get(request.user, int(pk))
    services.key_list_read_record(
        actor=request.user, key_list=key_list, via=f"export_{fmt}", now=now
    )
    if fmt == "xlsx":
        body, ctype = export.key_list_xlsx(key_list, request.user, now), export.XLSX
    else:
        body, ctype = export.key_list_pdf(key_list, request.user, now), "application/pdf"
    response = HttpResponse(body, content_type=ctype)
    response["Content-Disposition"] = f'attachment; filename="key-students-{key_list.pk}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response

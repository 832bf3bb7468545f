"""A student's own pages (/me/): their leave requests and notices, nothing of anyone else; and
the first sign-in with a one-time code sent to their phone (/login/code/)."""

from django import forms
from django.contrib import messages
from django.contrib.auth import login, password_validation
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from shouwang.accounts.addresses import client_address
from shouwang.accounts.models import CodeLoginAttempt
from shouwang.accounts.services import (
    TooMany,
    TooSoon,
    code_login_address_check,
    code_login_address_count,
    login_code_issue,
    login_code_redeem,
    password_set_own,
)
from shouwang.leave import selectors as leave_selectors
from shouwang.leave import services as leave_services
from shouwang.leave.models import Leave
from shouwang.monitoring import selectors as monitoring_selectors
from shouwang.notify import selectors as inbox_selectors
from shouwang.notify.services import sms_send_now
from shouwang.org.permissions import student_of
from shouwang.org.selectors import student_for_code_login

WHEN = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class LeaveForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Leave.Kind.choices)
    start_at = forms.DateTimeField(label=gettext_lazy("From"), input_formats=WHEN)
    end_at = forms.DateTimeField(label=gettext_lazy("Until"), input_formats=WHEN)
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)
    destination = forms.CharField(label=gettext_lazy("Destination"), max_length=200, required=False)
    emergency_name = forms.CharField(
        label=gettext_lazy("Emergency contact"), max_length=50, required=False
    )
    emergency_phone = forms.CharField(
        label=gettext_lazy("Emergency contact phone"), max_length=20, required=False
    )
    address = forms.CharField(
        label=gettext_lazy("Address (off-campus lodging)"), max_length=200, required=False
    )
    guardian_consent = forms.BooleanField(
        label=gettext_lazy("My guardian consents (off-campus lodging)"), required=False
    )
    guardian_consent_note = forms.CharField(
        label=gettext_lazy("How the guardian consented"), max_length=200, required=False
    )


def _student(request):
    student = student_of(request.user)
    if student is None:
        raise Http404  # /me/ is a student's; staff have their own pages
    return student


@login_required
def me_home(request):
    student = _student(request)
    return render(
        request,
        "web/me_home.html",
        {
            "student": student,
            "leaves": list(leave_selectors.own_leaves(request.user)[:50]),
            "notices": list(inbox_selectors.inbox(request.user)[:20]),
            "nights": monitoring_selectors.own_nights(student),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def me_leave_new(request):
    _student(request)
    form = LeaveForm(request.POST or None, initial={"kind": Leave.Kind.LEAVE})
    if request.method == "POST" and form.is_valid():
        try:
            leave = leave_services.leave_apply(actor=request.user, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as e:
            for field, errors in e.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Your request was sent for approval."))
            return redirect("me_leave_detail", pk=leave.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "web/me_leave_new.html", {"form": form}, status=status)


@login_required
def me_leave_detail(request, pk):
    _student(request)
    leave = leave_selectors.own_leave(request.user, pk)
    return render(
        request,
        "web/me_leave_detail.html",
        {
            "leave": leave,
            "decisions": leave_selectors.decisions(leave),
            "events": leave_selectors.timeline(leave),
            "may_cancel": leave.state == Leave.State.PENDING
            or (leave.state == Leave.State.APPROVED and leave.start_at > timezone.now()),
        },
    )


@login_required
@require_POST
def me_leave_cancel(request, pk):
    _student(request)
    leave = leave_selectors.own_leave(request.user, pk)
    try:
        leave_services.leave_cancel(actor=request.user, leave=leave)
    except ValidationError as e:
        for m in e.messages:
            messages.error(request, m)
    else:
        messages.success(request, _("Your request was withdrawn."))
    return redirect("me_leave_detail", pk=pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def me_password(request):
    _student(request)
    errors = []
    if request.method == "POST":
        password = request.POST.get("password", "")[:128]
        if password != request.POST.get("password2", "")[:128]:
            errors = [_("The two passwords differ.")]
        else:
            try:
                password_validation.validate_password(password, request.user)
            except ValidationError as e:
                errors = list(e.messages)
        if not errors:
            password_set_own(actor=request.user, password=password)
            login(request, request.user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Your password is set."))
            return redirect("me_home")
    return render(
        request, "web/me_password.html", {"errors": errors}, status=400 if errors else 200
    )


def _student_by_number(number: str):
    return student_for_code_login(number) if number else None


@require_http_methods(["GET", "HEAD", "POST"])
def code_login(request):
    """First sign-in: 学号 → a code by SMS to the phone in the register → signed in, then set a
    password. The same answer whether or not the number exists (no probing the register). One
    network address may ask for and mistype only so many codes an hour, whatever the 学号: a
    spray across accounts gets 429 and sends nothing, checks nothing."""
    sent, error, status = False, "", 200
    number = request.POST.get("student_no", "").strip()[:20]
    address = client_address(request)
    now = timezone.now()
    if request.method == "POST" and "code" not in request.POST:
        kind = CodeLoginAttempt.Kind.SEND
        try:
            code_login_address_check(address=address, kind=kind, now=now)
        except TooMany:
            error, status = _("Too many attempts from this network. Try again in an hour."), 429
        else:
            code_login_address_count(address=address, kind=kind, now=now)
            _code_send(_student_by_number(number), now)
            sent = True
    elif request.method == "POST":
        kind, sent = CodeLoginAttempt.Kind.MISS, True
        try:
            code_login_address_check(address=address, kind=kind, now=now)
        except TooMany:
            error, status = _("Too many attempts from this network. Try again in an hour."), 429
        else:
            student = _student_by_number(number)
            code = request.POST.get("code", "")[:12]
            if student is not None and login_code_redeem(user=student.user, code=code, now=now):
                login(request, student.user, backend="django.contrib.auth.backends.ModelBackend")
                return redirect("me_password")
            code_login_address_count(address=address, kind=kind, now=now)
            error, status = _("Wrong or expired code."), 400
    return render(
        request,
        "web/code_login.html",
        {"sent": sent, "error": error, "student_no": number},
        status=status,
    )


def _code_send(student, now) -> None:
    """A code to the student's phone, unless one went a moment ago (saying so would tell who
    exists: the page reads the same)."""
    if student is None:
        return
    try:
        with transaction.atomic():
            code = login_code_issue(user=student.user, now=now)
            sms_send_now(
                person=student.user,
                subject_type="accounts.user",
                subject_id=student.user_id,
                kind="account.login_code",
                title=_("Shouwang sign-in code: %(code)s (10 minutes)") % {"code": code},
                now=now,
            )
    except TooSoon:
        pass

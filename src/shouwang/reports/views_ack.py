"""Acknowledging from outside the report page: the one-tap links in messages, and the inbox's
section of reports waiting for the person's acknowledgement (notify's inbox shows it through
the hook registered in apps.py)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import acklinks, selectors
from .forms import AckForm


def inbox_pending_section(request) -> str:
    """The inbox's first section: reports the person is asked to acknowledge, each with its
    button."""
    pending = selectors.my_pending_acks(request.user)
    if not pending:
        return ""
    return render_to_string(
        "reports/_inbox_pending.html", {"pending": pending, "ack_form": AckForm()}, request=request
    )


# invalid / forged → 400 (a bad request); used or expired → 410 (it existed, it is gone).
_ACK_LINK_STATUS = {"invalid": 400, "used": 410, "expired": 410}


def _ack_link_error(request, exc):
    status = 410
    if isinstance(exc, ValidationError):
        message, status = exc.messages[0], _ACK_LINK_STATUS.get(exc.error_list[0].code, 410)
    else:
        message = _("This link cannot acknowledge this report.")
    return render(request, "reports/ack_link.html", {"error": message}, status=status)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])  # a form page: anything else is 405
def ack_link(request, token):
    """GET only shows what would be acknowledged (link previews and scanners fetch it); POST
    acknowledges. The signed single-use token is the credential: no login needed, so the page
    shows the report's title, category, place and time — nothing more."""
    try:
        link = acklinks.ack_link_check(token)
    except ValidationError as exc:
        return _ack_link_error(request, exc)
    report = link.recipient.report
    if request.method == "POST":
        try:
            acklinks.ack_link_use(token=token, note=request.POST.get("note", "")[:500])
        except (ValidationError, PermissionDenied) as exc:
            return _ack_link_error(request, exc)
        return render(request, "reports/ack_link.html", {"report": report, "done": True})
    return render(request, "reports/ack_link.html", {"report": report})

"""The person's side of a report: the inbox with its live header badge, one-tap
acknowledgement links from messages, and the student lookup helper of the filing form."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import TextInput
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from shouwang.notify import selectors as inbox_selectors
from shouwang.notify import services as inbox_services
from shouwang.org import selectors as org

from . import acklinks, selectors
from .forms import AckForm, split_codes


@login_required
def inbox(request):
    items = Paginator(selectors.inbox_unread_first(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "reports/inbox.html", {
        "pending": selectors.my_pending_acks(request.user), "items": items, "ack_form": AckForm(),
    })


@login_required
def inbox_open(request, delivery_id):
    """Opening a message marks it read, then goes where the message points."""
    delivery = get_object_or_404(inbox_selectors.inbox(request.user), pk=delivery_id)
    inbox_services.inbox_mark_read(person=request.user, delivery_ids=[delivery.pk], now=timezone.now())
    url = delivery.message.url
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return redirect(url)
    return redirect("inbox")


@never_cache
@login_required
def inbox_badge(request):
    """Polled by the header every 3 s (htmx): only the number, empty when nothing is unread."""
    return render(request, "reports/_inbox_badge_count.html",
                  {"count": inbox_selectors.inbox_unread_count(request.user)})


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
    return HttpResponse(TextInput(attrs={"id": "id_students", "autocomplete": "off"}).render("students", " ".join(codes)))

"""The person's side of notifications: the inbox with its live header badge, and their
notification rules (我的通知方式). The apps that own subjects add inbox sections (hooks.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import hooks, selectors
from .models import Channel
from .services import (
    default_rules,
    inbox_mark_read,
    notification_rules_reset,
    notification_rules_set,
)

ROWS = 5


def _submitted(post) -> list[tuple[str, str]]:
    """The rows the person filled in, in order, blank ones left out: (channel, minutes as typed).
    The service numbers its errors by these rows, so the page shows them in the same order."""
    rows = []
    for i in range(ROWS):
        channel = post.get(f"channel_{i}", "")
        if channel:
            rows.append((channel, post.get(f"wait_{i}", "").strip()))
    return rows


def _minutes(raw: str) -> int:
    try:
        return int(raw or 0)
    except ValueError:
        return -1  # the service says what is allowed


@login_required
@require_http_methods(["GET", "HEAD", "POST"])  # a form page: anything else is 405
def my_rules(request):
    """我的通知方式: the person's own channel order and waits."""
    errors: list[str] = []
    submitted: list[tuple[str, str]] = []
    if request.method == "POST":
        if "default" in request.POST:
            notification_rules_reset(actor=request.user)
            messages.success(request, _("You now use the default notification rules."))
            return redirect("notify_rules")
        submitted = _submitted(request.POST)
        try:
            notification_rules_set(
                actor=request.user, rules=[(c, _minutes(w)) for c, w in submitted]
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Your notification rules are saved."))
            return redirect("notify_rules")
    current = [(r.channel, r.wait_minutes) for r in request.user.notification_rules.all()]
    if errors:
        shown = submitted  # what was typed stays on the page, next to the errors
    elif current:
        shown = [(c, w) for c, w in current if c != Channel.INAPP]
    else:
        shown = [(c, w) for c, w in default_rules() if c != Channel.INAPP]
    rows = [shown[i] if i < len(shown) else ("", 0) for i in range(ROWS)]
    return render(
        request,
        "notify/rules.html",
        {
            "rows": rows,
            "channels": [(c, label) for c, label in Channel.choices if c != Channel.INAPP],
            "errors": errors,
            "using_default": not current,
            "inbox_only": bool(current) and all(c == Channel.INAPP for c, _w in current),
        },
        status=400 if errors else 200,
    )


@login_required
def inbox(request):
    items = Paginator(selectors.inbox_unread_first(request.user), 30).get_page(
        request.GET.get("page")
    )
    sections = [
        html for render_section in hooks.INBOX_SECTIONS if (html := render_section(request))
    ]
    return render(request, "notify/inbox.html", {"sections": sections, "items": items})


@login_required
def inbox_open(request, delivery_id):
    """Opening a message marks it read, then goes where the message points."""
    delivery = get_object_or_404(selectors.inbox(request.user), pk=delivery_id)
    inbox_mark_read(person=request.user, delivery_ids=[delivery.pk], now=timezone.now())
    url = delivery.message.url
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(url)
    return redirect("inbox")


@never_cache
@login_required
def inbox_badge(request):
    """Polled by the header every 3 s (htmx): only the number, empty when nothing is unread."""
    return render(
        request,
        "notify/_inbox_badge_count.html",
        {"count": selectors.inbox_unread_count(request.user)},
    )

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .models import Channel
from .services import default_rules, notification_rules_reset, notification_rules_set

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
            notification_rules_set(actor=request.user, rules=[(c, _minutes(w)) for c, w in submitted])
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
    return render(request, "notify/rules.html", {
        "rows": rows, "channels": [(c, label) for c, label in Channel.choices if c != Channel.INAPP],
        "errors": errors, "using_default": not current,
        "inbox_only": bool(current) and all(c == Channel.INAPP for c, _w in current),
    }, status=400 if errors else 200)

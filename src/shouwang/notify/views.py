from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .models import Channel
from .services import DEFAULT_RULES, notification_rules_set

ROWS = 5


@login_required
def my_rules(request):
    """我的通知方式: the person's own channel order and waits."""
    errors = []
    if request.method == "POST":
        rules = []
        for i in range(ROWS):
            channel = request.POST.get(f"channel_{i}", "")
            if channel:
                try:
                    rules.append((channel, int(request.POST.get(f"wait_{i}", "0") or 0)))
                except ValueError:
                    rules.append((channel, -1))
        try:
            notification_rules_set(actor=request.user, rules=rules)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Your notification rules are saved."))
            return redirect("notify_rules")
    current = [(r.channel, r.wait_minutes) for r in request.user.notification_rules.all()]
    shown = current or [(c, w) for c, w in DEFAULT_RULES if c != Channel.INAPP]
    rows = [shown[i] if i < len(shown) else ("", 0) for i in range(ROWS)]
    return render(request, "notify/rules.html", {
        "rows": rows, "channels": [(c, label) for c, label in Channel.choices if c != Channel.INAPP],
        "errors": errors, "using_default": not current}, status=400 if errors else 200)

"""Tags for the page frame (web/base.html)."""

from urllib.parse import urlsplit

from django import template
from django.utils.http import url_has_allowed_host_and_scheme

register = template.Library()


def language_next_url(request, *, here: bool = True) -> str:
    """Where the language switch comes back to. The page's own URL only when it was a GET: the
    page shown after a failed POST lives at a POST-only URL (/reports/5/update/), and going back
    there answers 405. Then the page the form was on (the referrer, if it is this site's and not
    this same URL), else the home page. here=False: this URL cannot be shown again by a GET
    either (the 405 page)."""
    if request is None:
        return "/"
    if here and request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referrer = request.META.get("HTTP_REFERER", "")
    if referrer and url_has_allowed_host_and_scheme(
        referrer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referrer)
        if parts.path and parts.path != request.path:
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return "/"


@register.simple_tag(takes_context=True)
def language_next(context) -> str:
    return language_next_url(context.get("request"), here=not context.get("method_not_allowed"))


def minutes_in_words(minutes) -> str:
    """A span of minutes as days, hours and minutes: 4320 → 3 天, 90 → 1 小时 30 分钟."""
    from django.utils.translation import ngettext

    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        return str(minutes or "")
    days, rest = divmod(max(minutes, 0), 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [
        ngettext("%(n)d day", "%(n)d days", days) % {"n": days} if days else "",
        ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours} if hours else "",
        ngettext("%(n)d minute", "%(n)d minutes", mins) % {"n": mins}
        if mins or not (days or hours)
        else "",
    ]
    return " ".join(p for p in parts if p)


@register.filter
def within_minutes(minutes) -> str:
    """「3 天内」: a due time given in minutes, as a person reads it."""
    from django.utils.translation import gettext

    return gettext("within %(span)s") % {"span": minutes_in_words(minutes)}

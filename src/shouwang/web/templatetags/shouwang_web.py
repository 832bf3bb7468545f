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
    if referrer and url_has_allowed_host_and_scheme(referrer, allowed_hosts={request.get_host()},
                                                    require_https=request.is_secure()):
        parts = urlsplit(referrer)
        if parts.path and parts.path != request.path:
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return "/"


@register.simple_tag(takes_context=True)
def language_next(context) -> str:
    return language_next_url(context.get("request"), here=not context.get("method_not_allowed"))

"""Template context every page gets: the menu entries the viewer may use."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from shouwang.org.permissions import can_manage_org

# (url name, label, badge url name): entries of apps that are installed show up by themselves.
EXTRA_NAV = [
    ("inbox", _("Inbox"), "inbox_badge"),
    ("report_new", _("File a report"), None),
    ("report_list", _("Reports"), None),
    ("incident_list", _("Incidents"), None),
    ("accountability_findings", _("Accountability"), None),
    ("plan_list", _("Plans"), None),
    ("escalation_policies", _("Escalation"), None),
    ("duty_roster", _("Duty roster"), None),
    ("notify_rules", _("My notification rules"), None),
]


def _url(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = []
    for name, label, badge in EXTRA_NAV:
        url = _url(name)
        if url:
            items.append({"url": url, "label": label, "badge_url": _url(badge) if badge else None})
    return {"nav_extra": items, "can_manage_org": can_manage_org(user)}

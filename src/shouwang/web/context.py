"""Template context every page gets: the menu entries the viewer may use."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from shouwang.org.permissions import can_manage_org, is_student_only

# (url name, label, badge url name): entries of apps that are installed show up by themselves.
# The first two are used daily and stay in the phone's compact header (with 首页 and 我的);
# the others are behind its one menu. Desktop shows them all.
DAILY_NAV = [
    ("inbox", _("Inbox"), "inbox_badge"),
    ("report_new", _("File a report"), None),
]
EXTRA_NAV = [
    ("report_list", _("Reports"), None),
    ("incident_list", _("Incidents"), None),
    # After an incident: 善后/复盘/整改; its page leads on to the documents and to 问责 (one
    # entry for the three keeps a desktop header on one row).
    ("aftermath_home", _("Aftermath"), None),
    # Daily monitoring, leave, campaigns, the care ledger and talks (issues 16 and 17).
    # Two entries for the eight modules of issues 16 and 17 (a desktop header stays one row):
    # 今晚在寝 leads on to leave, academic warnings and hazard campaigns; 一生一档 to talks and
    # screening. What a person must act on also opens their inbox.
    ("tonight", _("Tonight"), None),
    ("care_home", _("Care ledger"), None),
    # 应急预案 opens from 应急事件, 升级策略 from 值班表: the header keeps one row on a desktop.
    ("duty_roster", _("Duty roster"), None),
]
# 我的: the person's own settings page (how they are reached).
MINE_NAV = "notify_rules"


def _url(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    if is_student_only(user):
        return {"student_only": True}  # their page and signing out: no menu of staff pages

    def entries(nav):
        return [
            {"url": url, "label": label, "badge_url": _url(badge) if badge else None}
            for name, label, badge in nav
            if (url := _url(name))
        ]

    return {
        "nav_daily": entries(DAILY_NAV),
        "nav_extra": entries(EXTRA_NAV),
        "nav_mine_url": _url(MINE_NAV),
        "can_manage_org": can_manage_org(user),
    }

"""Turning timeline events into lines a person reads, in Chinese first."""

from django.utils.translation import gettext_lazy as _

from shouwang.notify.models import Channel

from . import selectors
from .models import Report

VERB_LABELS = {
    "report.filed": _("Filed"),
    "route.planned": _("Route planned"),
    "route.step_started": _("Delivered, waiting for acknowledgement"),
    "route.informed": _("Sent for information"),
    "route.vacant": _("Post vacant, skipped"),
    "route.reporter_level": _("Reporter's own level, skipped"),
    "deadline.missed": _("Not acknowledged in time"),
    "report.escalated": _("Escalated automatically to the next level"),
    "route.exhausted": _("Top of the chain reached without acknowledgement"),
    "route.escalation_skipped": _("Escalation not needed: already acknowledged"),
    "report.acknowledged": _("Acknowledged"),
    "report.receipt_recorded": _("Receipt recorded"),
    "report.updated": _("Update added"),
    "report.verified": _("Verified"),
    "report.duplicate_merged": _("Duplicate merged into this report"),
    "report.decided": _("Decision"),
    "report.reported_externally": _("Reported outside the school"),
    # Delivery verbs carry their channel in the label: "已送达（短信）".
    "delivery.sent": _("Delivered (%(channel)s)"),
    "delivery.failed": _("Delivery failed (%(channel)s)"),
    "delivery.accepted": _("Accepted, waiting for the provider's answer (%(channel)s)"),
    "delivery.fell_back": _("Not reachable by %(channel)s: the next channel goes now"),
    "ack_link.used": _("Acknowledgement link used"),
    "auditor.deadline_restored": _("Auditor restored a missing deadline"),
}


DELIVERY_VERBS = ("delivery.sent", "delivery.failed", "delivery.accepted", "delivery.fell_back")
ACK_CHANNELS = {"web": _("web page"), "api": _("API"), "link": _("one-tap link")}


def _channel(code):
    if code in ACK_CHANNELS:
        return str(ACK_CHANNELS[code])
    return str(Channel(code).label) if code in Channel.values else (code or "")


def verb_label(verb, data) -> str:
    """The event in words; an unknown verb is shown as it is."""
    label = str(VERB_LABELS.get(verb, verb))
    if verb in DELIVERY_VERBS:
        label = label % {"channel": _channel((data or {}).get("channel"))}
    return label


def _people(ids):
    from shouwang.accounts.models import User

    return "、".join(u.display_name for u in User.objects.filter(pk__in=ids)) if ids else ""


def _roles(codes):
    from shouwang.org.models import Role

    labels = {r.code: r.label for r in Role.objects.filter(code__in=codes or [])}
    return "、".join(labels.get(code, code) for code in codes or [])


def _choice(choices, code):
    return str(dict(choices.choices).get(code, code or ""))


def format_duration(seconds):
    """Seconds as a person reads them: 45 秒, 3 分 12 秒, 2 小时 5 分."""
    if seconds is None:
        return None
    seconds = max(0, round(seconds))
    if seconds < 60:
        return _("%(s)d s") % {"s": seconds}
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return _("%(m)d min %(s)d s") % {"m": minutes, "s": seconds}
    hours, minutes = divmod(minutes, 60)
    return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}


def durations(report):
    raw = selectors.report_durations(report)
    return {key: format_duration(value) for key, value in raw.items()}


def timeline_rows(viewer, report):
    rows = []
    for event in selectors.report_timeline(viewer, report):
        d = event.data
        detail = ""
        if event.verb in ("route.step_started", "route.informed"):
            detail = _people(d.get("recipients"))
        elif event.verb == "deadline.missed":
            detail = _people(d.get("persons"))
        elif event.verb in ("route.vacant", "route.reporter_level"):
            detail = _roles(d.get("roles"))
        elif event.verb in ("report.acknowledged", "report.receipt_recorded"):
            detail = " ".join(filter(None, [_channel(d.get("channel")), d.get("note", "")]))
        elif event.verb in DELIVERY_VERBS:
            detail = " ".join(filter(None, [_people([d["recipient"]] if d.get("recipient") else None),
                                            d.get("error", "") or d.get("reason", "")]))
        elif event.verb in ("report.updated",):
            detail = d.get("text", "")
        elif event.verb == "report.verified":
            detail = " ".join(filter(None, [_choice(Report.Verification, d.get("verdict")), d.get("note", "")]))
        elif event.verb == "report.decided":
            detail = " ".join(filter(None, [_choice(Report.Decision, d.get("decision")), d.get("note", "")]))
        elif event.verb == "report.reported_externally":
            detail = f"{d.get('recipient', '')}：{d.get('content', '')}"
        actor = selectors.event_actor_label(viewer, report, event)
        rows.append({"at": event.at, "label": verb_label(event.verb, d), "verb": event.verb,
                     "actor": actor, "detail": detail})
    return rows

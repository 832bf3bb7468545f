"""Turning timeline events into lines a person reads, in Chinese first."""

from django.utils.translation import gettext_lazy as _

from shouwang.notify.models import Channel

from . import selectors

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
    "delivery.sent": _("Delivered"),
    "delivery.failed": _("Delivery failed"),
    "ack_link.used": _("Acknowledgement link used"),
    "auditor.deadline_restored": _("Auditor restored a missing deadline"),
}


ACK_CHANNELS = {"web": _("web page"), "api": _("API"), "link": _("one-tap link")}


def _channel(code):
    if code in ACK_CHANNELS:
        return str(ACK_CHANNELS[code])
    return str(Channel(code).label) if code in Channel.values else (code or "")


def _people(ids):
    from shouwang.accounts.models import User

    return "、".join(u.display_name for u in User.objects.filter(pk__in=ids)) if ids else ""


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
            detail = "、".join(d.get("roles", []))
        elif event.verb in ("report.acknowledged", "report.receipt_recorded"):
            detail = " ".join(filter(None, [_channel(d.get("channel")), d.get("note", "")]))
        elif event.verb in ("delivery.sent", "delivery.failed"):
            detail = _channel(d.get("channel"))
        elif event.verb in ("report.updated",):
            detail = d.get("text", "")
        elif event.verb in ("report.verified", "report.decided"):
            detail = " ".join(filter(None, [d.get("verdict") or d.get("decision"), d.get("note", "")]))
        elif event.verb == "report.reported_externally":
            detail = f"{d.get('recipient', '')}：{d.get('content', '')}"
        actor = event.actor.display_name if event.actor_id else (event.actor_label if event.actor_label != "system" else "")
        if event.verb == "report.filed" and report.reporter_is_covert:
            actor = selectors.reporter_label(viewer, report)
        rows.append({"at": event.at, "label": VERB_LABELS.get(event.verb, event.verb), "verb": event.verb,
                     "actor": actor, "detail": detail})
    return rows

"""Turning timeline events into lines a person reads, in Chinese first."""

from django.utils.translation import gettext_lazy as _

from shouwang.accounts.models import User
from shouwang.notify.models import Channel
from shouwang.org.models import Role

from . import selectors
from .models import ExternalReport, Report, Severity

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
    "report.severity_changed": _("Severity changed"),
    "report.reported_externally": _("Reported outside the school"),
    "report.plan_activated": _("Emergency plan activated"),
    # Delivery verbs carry their channel in the label: "已送达（短信）".
    "delivery.sent": _("Delivered (%(channel)s)"),
    "delivery.failed": _("Delivery failed (%(channel)s)"),
    "delivery.cancelled": _("Not sent (%(channel)s)"),
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
    return "、".join(u.display_name for u in User.objects.filter(pk__in=ids)) if ids else ""


def _roles(codes):
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


# At one instant, what caused something comes before what it caused: a missed deadline, then
# the escalation, then the level asked, then its deliveries.
_ORDER = {"deadline.missed": 0, "report.escalated": 1}
_LATER = 3  # deliveries

INFORM_REASONS = {
    "skipped_level": _("level skipped by the reporter, for information"),
    "security": _("security office, for information"),
}
# Why a delivery was cancelled, as the notify providers store it.
CANCEL_REASONS = {
    "email not configured (SHOUWANG_EMAIL_HOST)": _(
        "email is not configured (SHOUWANG_EMAIL_HOST)"
    ),
    "no email address": _("no email address"),
    "SMS not configured (SHOUWANG_SMS_PROVIDER)": _(
        "SMS is not configured (SHOUWANG_SMS_PROVIDER)"
    ),
    "no phone number": _("no phone number"),
    "cancelled: acknowledged": _("no longer needed: the report was acknowledged"),
}


class _Names:
    """People named with their post on this report: 黎美琳（辅导员）. A covert reporter is named
    only as the viewer may see them (selectors.reporter_label)."""

    def __init__(self, viewer, report):
        receipts = list(report.recipients.values_list("person_id", "step", "role"))
        labels = {
            r.code: r.label
            for r in Role.objects.filter(code__in={role for _p, _s, role in receipts})
        }
        self.by_step = {(p, s): labels.get(role, role) for p, s, role in receipts if role}
        self.any_step = {p: labels.get(role, role) for p, _s, role in receipts if role}
        ids = {p for p, _s, _r in receipts}
        self.users = {u.pk: u for u in User.objects.filter(pk__in=ids)}
        self._user_model = User
        self.hidden = (
            {report.reporter_id: selectors.reporter_label(viewer, report)}
            if report.reporter_is_covert and report.reporter_id
            else {}
        )

    def __call__(self, ids, step=None):
        ids = [i for i in ids or [] if i is not None]
        missing = [i for i in ids if i not in self.users]
        if missing:
            self.users.update({u.pk: u for u in self._user_model.objects.filter(pk__in=missing)})
        names = []
        for pk in ids:
            if pk in self.hidden:
                names.append(self.hidden[pk])
                continue
            user = self.users.get(pk)
            if user is None:
                continue
            post = self.by_step.get((pk, step)) or self.any_step.get(pk)
            names.append(f"{user.display_name}（{post}）" if post else user.display_name)
        return "、".join(names)


def _step_name(report, index):
    """Level n of the report's route in words: 第 3 级（辅导员）."""
    route = report.route or []
    if index is None or not 0 <= index < len(route):
        return ""
    return _("level %(n)d (%(roles)s)") % {
        "n": index + 1,
        "roles": _roles(route[index].get("roles")),
    }


def _local(iso):
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime

    at = parse_datetime(iso) if isinstance(iso, str) else None
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else ""


def _detail(viewer, report, event, names):
    """(text, link url, link text) for one event."""
    from django.urls import NoReverseMatch, reverse

    d, verb = event.data or {}, event.verb
    step = d.get("step")
    if verb == "report.filed":
        return (
            " · ".join(filter(None, [_choice(Severity, d.get("severity")), d.get("place", "")])),
            None,
            None,
        )
    if verb == "route.planned":
        start = d.get("start_step") or 0
        text = _("policy %(policy)s") % {"policy": d.get("policy", "")}
        if start:
            text += "；" + _("starts at %(step)s") % {"step": _step_name(report, start)}
        return text, None, None
    if verb == "route.step_started":
        due = _local(d.get("due_at"))
        text = names(d.get("recipients"), step)
        if due:
            text += "；" + _("acknowledge by %(at)s") % {"at": due}
        return text, None, None
    if verb == "route.informed":
        reason = INFORM_REASONS.get(d.get("reason"))
        return (
            " ".join(
                filter(None, [names(d.get("recipients"), step), f"（{reason}）" if reason else ""])
            ),
            None,
            None,
        )
    if verb in ("route.vacant", "route.reporter_level"):
        return _step_name(report, step) or _roles(d.get("roles")), None, None
    if verb == "deadline.missed":
        return names(d.get("persons"), step), None, None
    if verb == "report.escalated":
        return (
            _("from %(a)s to %(b)s")
            % {
                "a": _step_name(report, d.get("from_step")),
                "b": _step_name(report, d.get("to_step")),
            },
            None,
            None,
        )
    if verb in ("route.exhausted", "route.escalation_skipped", "auditor.deadline_restored"):
        return _step_name(report, step), None, None
    if verb in ("report.acknowledged", "report.receipt_recorded"):
        return " ".join(filter(None, [_channel(d.get("channel")), d.get("note", "")])), None, None
    if verb in DELIVERY_VERBS:
        return (
            " ".join(
                filter(
                    None, [names([d.get("recipient")]), d.get("error", "") or d.get("reason", "")]
                )
            ),
            None,
            None,
        )
    if verb == "ack_link.used":
        return "", None, None
    if verb == "report.updated":
        return d.get("text", ""), None, None
    if verb == "report.verified":
        text = " ".join(
            filter(None, [_choice(Report.Verification, d.get("verdict")), d.get("note", "")])
        )
        if d.get("duplicate_of"):
            return text, reverse("report_detail", args=[d["duplicate_of"]]), f"#{d['duplicate_of']}"
        return text, None, None
    if verb == "report.duplicate_merged":
        dup = d.get("duplicate")
        return (
            d.get("note", ""),
            (reverse("report_detail", args=[dup]) if dup else None),
            (f"#{dup}" if dup else None),
        )
    if verb == "report.decided":
        return (
            " ".join(
                filter(None, [_choice(Report.Decision, d.get("decision")), d.get("note", "")])
            ),
            None,
            None,
        )
    if verb == "report.severity_changed":
        text = _("%(before)s → %(after)s: %(reason)s") % {
            "before": _choice(Severity, d.get("from")),
            "after": _choice(Severity, d.get("to")),
            "reason": d.get("reason", ""),
        }
        if d.get("downgrade"):
            text = f"{text} " + str(
                _("(downgrade approved by the office)")
                if d.get("approved")
                else _("(downgrade not approved by the office)")
            )
        return text, None, None
    if verb == "report.reported_externally":
        kind = _choice(ExternalReport.RecipientKind, d.get("recipient_kind"))
        text = _("to %(recipient)s, sent %(at)s: %(content)s") % {
            "recipient": " ".join(filter(None, [kind, d.get("recipient", "")])),
            "at": _local(d.get("sent_at")),
            "content": d.get("content", ""),
        }
        return text, None, None
    if verb == "report.plan_activated":
        # The plan's title is in the event (reports sit below plans and do not look it up).
        text = _("%(plan)s, level %(level)s") % {
            "plan": d.get("plan_title") or d.get("plan", ""),
            "level": d.get("level", ""),
        }
        try:
            url = reverse("incident_board", args=[d["incident"]])
        except (KeyError, NoReverseMatch):
            return text, None, None
        return text, url, _("Incident #%(id)s") % {"id": d["incident"]}
    return "", None, None


def _cancelled_rows(report, names):
    """Deliveries that never went out (a channel not configured, no address): one line per
    instant, channel and reason, naming whom they were for."""
    groups = {}
    for delivery in selectors.report_deliveries_cancelled(report):
        at = delivery.claimed_at or delivery.created_at
        key = (at, delivery.channel, delivery.last_error)
        ids = groups.setdefault(key, [])
        if delivery.recipient_id not in ids:
            ids.append(delivery.recipient_id)
    rows = []
    for (at, channel, reason), ids in groups.items():
        why = str(CANCEL_REASONS.get(reason, reason))
        rows.append(
            {
                "at": at,
                "verb": "delivery.cancelled",
                "label": str(VERB_LABELS["delivery.cancelled"]) % {"channel": _channel(channel)},
                "actor": "",
                "detail": f"{why}：{names(ids)}",
                "link": None,
                "link_text": None,
                "order": _LATER,
            }
        )
    return rows


def timeline_rows(viewer, report):
    names = _Names(viewer, report)
    rows = []
    for event in selectors.report_timeline(viewer, report):
        detail, link, link_text = _detail(viewer, report, event, names)
        actor = selectors.event_actor_label(viewer, report, event)
        rows.append(
            {
                "at": event.at,
                "label": verb_label(event.verb, event.data),
                "verb": event.verb,
                "actor": actor,
                "detail": detail,
                "link": link,
                "link_text": link_text,
                "order": _LATER
                if event.verb.startswith("delivery.")
                else _ORDER.get(event.verb, 2),
            }
        )
    rows += _cancelled_rows(report, names)
    # Stable: events of one instant keep the order they were recorded in, except as _ORDER says.
    rows.sort(key=lambda row: (row["at"], row["order"]))
    return rows

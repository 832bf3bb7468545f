"""A review opens pre-filled from the record, not from memory (R-AFTER-3): the times of the
incident and of the report it came from, the escalations and misses on the report's timeline,
decisions, published statements, overdue tasks, the aftermath items, and what other apps
register (accountability's findings, through hooks.review_facts). The facts are JSON (ISO
times, names), frozen onto the review; the narrative sections start from them."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.audit.selectors import events_for_subject
from shouwang.notify.models import Delivery

from . import hooks


def _iso(dt):
    """Local (school) time, ISO 8601 with its offset: readable and exact."""
    return timezone.localtime(dt).isoformat() if dt else None


def _name(user):
    return getattr(user, "display_name", "") or getattr(user, "username", "") if user else ""


def incident_facts(incident, items=()) -> dict:
    report = incident.report
    arrivals = list(incident.arrivals.select_related("person"))
    facts = {
        "incident": incident.pk,
        "title": incident.title,
        "level": incident.level,
        "level_name": incident.level_name(),
        "unit": incident.unit.name,
        "occurred_at": _iso(report.occurred_at) if report else None,
        "reported_at": _iso(report.filed_at) if report else None,
        "place": report.place if report else "",
        "first_delivery_at": None,
        "first_ack_at": _iso(report.acknowledged_at) if report else None,
        "first_ack_by": _name(report.acknowledged_by) if report else "",
        "activated_at": _iso(incident.activated_at),
        "first_on_scene_at": _iso(arrivals[0].at) if arrivals else None,
        "first_on_scene_by": _name(arrivals[0].person) if arrivals else "",
        "closed_at": _iso(incident.closed_at),
        "decisions": [
            {
                "title": d.title,
                "option": d.option,
                "reason": d.reason,
                "by": _name(d.decided_by),
                "at": _iso(d.decided_at),
            }
            for d in incident.decisions.select_related("decided_by")
        ],
        "releases": [
            {"title": r.title, "channel": r.channel, "at": _iso(r.published_at)}
            for r in incident.releases.filter(published_at__isnull=False).order_by("published_at")
        ],
        "escalations": [],
        "misses": [],
        "tasks_overdue": [],
        "aftermath_items": [
            {
                "kind": i.kind.name,
                "title": i.title,
                "owner": _name(i.owner),
                "due_at": _iso(i.due_at),
                "state": i.state,
            }
            for i in items
        ],
        "findings": [],
    }
    for e in events_for_subject(incident).filter(verb="task.overdue"):
        facts["tasks_overdue"].append({"title": e.data.get("title", ""), "at": _iso(e.at)})
    if report is not None:
        first = (
            Delivery.objects.filter(
                message__subject_type="reports.report",
                message__subject_id=str(report.pk),
                sent_at__isnull=False,
            )
            .order_by("sent_at")
            .values_list("sent_at", flat=True)
            .first()
        )
        facts["first_delivery_at"] = _iso(first)
        people: dict[int, None] = {}
        for e in events_for_subject(report).filter(
            verb__in=["report.escalated", "deadline.missed"]
        ):
            if e.verb == "report.escalated":
                facts["escalations"].append(
                    {
                        "from_step": e.data.get("from_step"),
                        "to_step": e.data.get("to_step"),
                        "at": _iso(e.at),
                    }
                )
            else:
                people.update({pk: None for pk in e.data.get("persons", [])})
                facts["misses"].append(
                    {
                        "step": e.data.get("step"),
                        "persons": e.data.get("persons", []),
                        "at": _iso(e.at),
                    }
                )
        if people:
            names = {u.pk: _name(u) for u in get_user_model().objects.filter(pk__in=people)}
            for miss in facts["misses"]:
                miss["names"] = [names.get(pk, str(pk)) for pk in miss["persons"]]
    facts.update(hooks.review_facts(incident))
    return facts


def _t(value):
    return (
        timezone.localtime(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
        if value
        else "—"
    )


def prefilled_sections(facts: dict) -> dict[str, str]:
    """Draft text for the sections the record can speak to; the rest start empty (the
    reviewers write them, and sign-off lists any still empty)."""
    lines = {}
    lines["basic"] = "\n".join(
        [
            _("Event: %(title)s (%(level)s), %(unit)s.")
            % {"title": facts["title"], "level": facts["level_name"], "unit": facts["unit"]},
            _("Occurred: %(at)s; place: %(place)s.")
            % {"at": _t(facts["occurred_at"]), "place": facts["place"] or "—"},
            _(
                "Reported: %(at)s; first delivered: %(delivered)s; "
                "first acknowledged: %(ack)s %(by)s."
            )
            % {
                "at": _t(facts["reported_at"]),
                "delivered": _t(facts["first_delivery_at"]),
                "ack": _t(facts["first_ack_at"]),
                "by": facts["first_ack_by"],
            },
            _("Closed: %(at)s.") % {"at": _t(facts["closed_at"])},
        ]
    )
    response = [
        _("Plan activated: %(at)s; first on scene: %(scene)s %(by)s.")
        % {
            "at": _t(facts["activated_at"]),
            "scene": _t(facts["first_on_scene_at"]),
            "by": facts["first_on_scene_by"],
        }
    ]
    response += [
        _("Decision %(at)s: %(title)s — %(option)s (%(by)s; reason: %(reason)s)")
        % {**d, "at": _t(d["at"])}
        for d in facts["decisions"]
    ]
    response += [
        _("Escalated %(at)s from level %(from)s to %(to)s.")
        % {"at": _t(e["at"]), "from": e["from_step"], "to": e["to_step"]}
        for e in facts["escalations"]
    ]
    response += [
        _("Not acknowledged in time %(at)s: %(names)s.")
        % {"at": _t(m["at"]), "names": "、".join(m.get("names", []))}
        for m in facts["misses"]
    ]
    response += [
        _("Task overdue %(at)s: %(title)s.") % {"at": _t(t["at"]), "title": t["title"]}
        for t in facts["tasks_overdue"]
    ]
    lines["response"] = "\n".join(response)
    if facts["aftermath_items"]:
        lines["care"] = "\n".join(
            _("%(kind)s: %(owner)s, due %(due)s.") % {**i, "due": _t(i["due_at"])}
            for i in facts["aftermath_items"]
        )
    if facts["releases"]:
        lines["opinion"] = "\n".join(
            _("Statement published %(at)s on %(channel)s: %(title)s.") % {**r, "at": _t(r["at"])}
            for r in facts["releases"]
        )
    if facts.get("findings"):
        lines["responsibility"] = "\n".join(f.get("summary", "") for f in facts["findings"])
    return {k: v for k, v in lines.items() if v.strip()}

"""Incident pages: activation, the live board (htmx refresh every 5 s) with its action forms,
and the timeline. Every action posts to a small view that calls one service; a refusal comes
back as a Chinese message on the board and changes nothing."""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from shouwang import bounds
from shouwang.org.selectors import units_visible
from shouwang.plans.models import Plan
from shouwang.reports.selectors import report_get

from . import permissions, selectors, services
from .models import Incident, MediaRequest, Release


@login_required
def incident_list(request):
    status = request.GET.get("status", "")
    return render(
        request,
        "incidents/list.html",
        {
            "incidents": selectors.incident_list(request.user, status=status)[:200],
            "status": status,
            "statuses": Incident.Status.choices,
            "can_activate": permissions.can_activate_any(request.user),
        },
    )


def _parse_local(value):
    """<input type=datetime-local> → aware datetime, None if blank; ValueError if malformed."""
    if not value:
        return None
    parsed = timezone.make_aware(datetime.fromisoformat(value))
    bounds.check_time(
        parsed
    )  # year 1 would be stored as 1 BC and break the board (ValidationError)
    return parsed


@login_required
@require_http_methods(["GET", "HEAD", "POST"])  # a form page: anything else is 405
def incident_new(request):
    if not permissions.can_activate_any(request.user):
        # Offered to no one who would be refused: say so instead of a form that ends in 403.
        return render(request, "incidents/new.html", {"may_activate": False}, status=403)
    data = request.POST if request.method == "POST" else request.GET
    report = (
        report_get(request.user, int(data["report"])) if data.get("report", "").isdigit() else None
    )
    plans = Plan.objects.filter(is_active=True)
    plan = plans.filter(code=data.get("plan", "")).first()
    if plan is None and "plan" not in data:
        plan = selectors.suggested_plan(plans, report)  # from a report: the plan for its category
    doc = plan.current.document if plan else None
    unit_code = data.get("unit") or (report.unit.code if report else "")
    # The level the report's severity calls for; without a report the activator must choose.
    level = data["level"] if "level" in data else selectors.suggested_level(doc or {}, report)
    errors = []
    if request.method == "POST":
        unit = units_visible(request.user).filter(code=unit_code).first()
        if plan is None:
            errors.append(_("Choose a plan."))
        elif not level:
            errors.append(_("Choose the response level."))
        if unit is None:
            errors.append(_("Choose a unit you are responsible for."))
        if not errors:
            try:
                incident = services.incident_activate(
                    actor=request.user,
                    plan=plan,
                    level=level,
                    unit=unit,
                    title=data.get("title", ""),
                    event_type=data.get("event_type", ""),
                    report=report,
                )
            except ValidationError as exc:
                errors = exc.messages
            except PermissionDenied:
                errors = [_("You may not activate a plan for this unit.")]
            else:
                messages.success(
                    request,
                    _("Plan activated: %(n)d tasks assigned.") % {"n": incident.tasks.count()},
                )
                return redirect("incident_board", incident.pk)
    return render(
        request,
        "incidents/new.html",
        {
            "may_activate": True,
            "plans": plans,
            "plan": plan,
            "doc": doc,
            "report": report,
            "unit_code": unit_code,
            "level": level,
            "data": data,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _board_context(request, incident, **failed):
    """What the board shows; `failed` re-shows a refused form: form_errors={name: [...]},
    kept={name: what was posted}, failed_id for a row's form (a task, statement, request)."""
    user = request.user
    return {
        "incident": incident,
        "doc": incident.plan,
        "now": timezone.now(),
        **selectors.incident_board(user, incident),
        "page_links": selectors.page_links(user, incident),
        "can_command": permissions.can_command(user, incident),
        "is_involved": permissions.is_involved(user, incident),
        "can_publish": permissions.can_publish(user),
        "decidable": permissions.decisions_allowed(
            user, incident, incident.plan.get("decisions", [])
        ),
        "levels": incident.plan["levels"],
        "form_errors": {},
        "kept": {},
        "failed_id": None,
        "paused": False,
        **failed,
    }


@login_required
def incident_board(request, pk):
    incident = selectors.incident_get(request.user, pk)
    return render(request, "incidents/board.html", _board_context(request, incident))


@login_required
def incident_board_live(request, pk):
    """The board's changing part, polled by htmx."""
    incident = selectors.incident_get(request.user, pk)
    return render(request, "incidents/_board_live.html", _board_context(request, incident))


VERB_LABELS = {
    "incident.activated": gettext_lazy("Plan activated"),
    "incident.group_assembled": gettext_lazy("Command group assembled"),
    "incident.tasks_created": gettext_lazy("Tasks assigned"),
    "incident.level_changed": gettext_lazy("Level changed"),
    "incident.closed": gettext_lazy("Incident closed"),
    "task.reminded": gettext_lazy("Task reminder sent"),
    "task.overdue": gettext_lazy("Task overdue, group head told"),
    "task.done": gettext_lazy("Task done"),
    "decision.recorded": gettext_lazy("Decision recorded"),
    "situation.updated": gettext_lazy("Situation update"),
    "arrival.recorded": gettext_lazy("Arrived on scene"),
    "external_report.recorded": gettext_lazy("Reported upward"),
    "release.drafted": gettext_lazy("Statement drafted"),
    "release.published": gettext_lazy("Statement published"),
    "media.requested": gettext_lazy("Interview request logged"),
    "media.decided": gettext_lazy("Interview decision"),
    "document.requested": gettext_lazy("Document requested"),
    "document.generated": gettext_lazy("Document generated"),
    "document.failed": gettext_lazy("Document generation failed"),
}


def _when(iso):
    at = parse_datetime(iso) if isinstance(iso, str) else None
    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else ""


def event_detail(incident, event) -> str:
    """What an incident event says, in words (the label says what kind of event it is)."""
    d, verb = event.data or {}, event.verb
    if verb == "incident.activated":
        level = next(
            (lv["name"] for lv in incident.plan.get("levels", []) if lv["code"] == d.get("level")),
            "",
        )
        return "；".join(
            filter(None, [d.get("title", ""), f"{d.get('level', '')} {level}".strip()])
        )
    if verb == "incident.group_assembled":
        return _("%(n)d seats filled, %(v)d vacant") % {
            "n": len(d.get("seats", [])),
            "v": len(d.get("vacant", [])),
        }
    if verb == "incident.tasks_created":
        return _("%(n)d tasks") % {"n": len(d.get("tasks", []))}
    if verb == "incident.level_changed":
        return _("from %(a)s to %(b)s: %(reason)s") % {
            "a": d.get("from", ""),
            "b": d.get("to", ""),
            "reason": d.get("reason", ""),
        }
    if verb == "incident.closed":
        return d.get("summary", "")
    if verb in ("task.reminded", "task.overdue", "task.done"):
        return "：".join(filter(None, [d.get("title", ""), d.get("note", "")]))
    if verb == "decision.recorded":
        return "".join(
            filter(
                None,
                [
                    d.get("title", ""),
                    f"：{d['option']}" if d.get("option") else "",
                    f"（{d['reason']}）" if d.get("reason") else "",
                ],
            )
        )
    if verb == "situation.updated":
        return "；".join(filter(None, [d.get("text", ""), d.get("place", ""), d.get("trend", "")]))
    if verb == "arrival.recorded":
        return _("%(m)s min after activation") % {"m": d.get("minutes_since_activation", "")}
    if verb == "external_report.recorded":
        return _("to %(recipient)s, sent %(at)s: %(content)s") % {
            "recipient": d.get("recipient", ""),
            "at": _when(d.get("sent_at")),
            "content": d.get("content", ""),
        }
    if verb in ("release.drafted", "release.published"):
        return "；".join(filter(None, [d.get("title", ""), d.get("channel", "")]))
    if verb == "media.requested":
        return "：".join(filter(None, [d.get("outlet", ""), d.get("topic", "")]))
    if verb == "media.decided":
        decision = (
            _(d["decision"])
            if d.get("decision") in ("accepted", "declined")
            else d.get("decision", "")
        )
        return "：".join(filter(None, [d.get("outlet", ""), decision, d.get("note", "")]))
    return ""


@login_required
def incident_timeline(request, pk):
    incident = selectors.incident_get(request.user, pk)
    events = [
        (e, VERB_LABELS.get(e.verb, e.verb), event_detail(incident, e))
        for e in selectors.incident_timeline(request.user, incident)
    ]
    return render(request, "incidents/timeline.html", {"incident": incident, "events": events})


# Forms inside the live part of the board: while one shows an error the board stops polling,
# so the error and what was typed are not replaced.
LIVE_FORMS = {"task_done", "publish", "media_decide"}


def _act(request, pk, action, success, form, row=None):
    """Run one service for a visible incident. A refusal re-shows the board with the error next
    to the form and what was typed kept (nothing is written); success redirects to the board."""
    incident = selectors.incident_get(request.user, pk)
    try:
        action(incident)
    except (ValidationError, ValueError) as exc:
        errors = (
            exc.messages
            if isinstance(exc, ValidationError)
            else [_("Enter the time as YYYY-MM-DD HH:MM.")]
        )
        context = _board_context(
            request,
            incident,
            form_errors={form: errors},
            kept={form: request.POST},
            failed_id=row,
            paused=form in LIVE_FORMS,
        )
        if form == "close":
            # Said at the top, where the board opens, with the tasks still in the way linked.
            context["close_blockers"] = list(selectors.tasks_blocking_close(request.user, incident))
        return render(request, "incidents/board.html", context, status=400)
    messages.success(request, success)
    return redirect("incident_board", incident.pk)


def _forbidden(request, exc):
    """A 403 page with the reason (e.g. only the publicity office publishes)."""
    return render(
        request,
        "incidents/forbidden.html",
        {"reason": str(exc) or _("Permission denied.")},
        status=403,
    )


def action_view(form, build, success):
    """The POST view of one board form; `form` names it, so a refusal is shown beside it."""

    @login_required
    @require_POST
    def view(request, pk, **ids):
        try:
            return _act(
                request,
                pk,
                lambda incident: build(request, incident, **ids),
                success,
                form,
                row=next(iter(ids.values()), None),
            )
        except PermissionDenied as exc:
            return _forbidden(request, exc)

    return view


P = lambda request, name: request.POST.get(name, "")  # noqa: E731


task_done = action_view(
    "task_done",
    lambda r, i, task_id: services.task_complete(
        actor=r.user, task=selectors.task_get(r.user, i, task_id), note=P(r, "note")
    ),
    _("Task marked done."),
)
decide = action_view(
    "decide",
    lambda r, i: services.decision_record(
        actor=r.user,
        incident=i,
        decision_id=P(r, "decision_id"),
        option=P(r, "free_option") or P(r, "option"),
        reason=P(r, "reason"),
        authority=P(r, "authority"),
    ),
    _("Decision recorded."),
)
situation = action_view(
    "situation",
    lambda r, i: services.situation_add(
        actor=r.user,
        incident=i,
        text=P(r, "text"),
        people_involved=P(r, "people_involved"),
        injured=P(r, "injured"),
        dead=P(r, "dead"),
        trend=P(r, "trend"),
        place=P(r, "place"),
    ),
    _("Situation recorded."),
)
arrive = action_view(
    "arrive", lambda r, i: services.arrival_record(actor=r.user, incident=i), _("Arrival recorded.")
)
level = action_view(
    "level",
    lambda r, i: services.incident_level_change(
        actor=r.user, incident=i, level=P(r, "level"), reason=P(r, "reason")
    ),
    _("Level changed."),
)
external = action_view(
    "external",
    lambda r, i: services.outbound_report_record(
        actor=r.user,
        incident=i,
        recipient=P(r, "recipient"),
        content=P(r, "content"),
        sent_at=_parse_local(P(r, "sent_at")),
        task=selectors.task_get(r.user, i, int(P(r, "task"))) if P(r, "task").isdigit() else None,
    ),
    _("Report upward recorded."),
)
release_new = action_view(
    "release",
    lambda r, i: services.release_draft(
        actor=r.user, incident=i, title=P(r, "title"), body=P(r, "body")
    ),
    _("Statement drafted."),
)
release_publish = action_view(
    "publish",
    lambda r, i, release_id: services.release_publish(
        actor=r.user,
        release=get_object_or_404(Release, pk=release_id, incident=i),
        channel=P(r, "channel"),
    ),
    _("Statement published."),
)
media_new = action_view(
    "media",
    lambda r, i: services.media_request_log(
        actor=r.user,
        incident=i,
        outlet=P(r, "outlet"),
        topic=P(r, "topic"),
        requested_at=_parse_local(P(r, "requested_at")),
    ),
    _("Interview request logged."),
)
media_decide = action_view(
    "media_decide",
    lambda r, i, request_id: services.media_request_decide(
        actor=r.user,
        request=get_object_or_404(MediaRequest, pk=request_id, incident=i),
        decision=P(r, "decision"),
        note=P(r, "note"),
    ),
    _("Interview decision recorded."),
)
close = action_view(
    "close",
    lambda r, i: services.incident_close(actor=r.user, incident=i, summary=P(r, "summary")),
    _("Incident closed."),
)

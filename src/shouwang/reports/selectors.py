"""Every read of reports, scoped: a report is visible to people whose scope holds its unit or
one of its students (a dorm-room report about a student reaches the student's counsellor), to
everyone it was routed to, and to its reporter."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from shouwang.audit.selectors import events_for_subject
from shouwang.notify.models import Delivery
from shouwang.notify.selectors import inbox
from shouwang.org.models import Post
from shouwang.org.permissions import from_counsellor_up, is_student_cadre_only, sees_covert_identity
from shouwang.org.scope import scope_for
from shouwang.org.selectors import students_visible

from .models import Category, Recipient, Report


def reports_visible(viewer):
    """Need to know (issue 18): a student cadre (宿舍长, 信息员, 安全员, 隐形安全员) sees the
    reports they filed and those they were asked about, never one of a sensitive category they
    did not file; below the counsellor, a sensitive report shows only to its reporter and to
    those it was routed to (a token: those it filed)."""
    scope = scope_for(viewer)
    if scope.everything:
        return Report.objects.all()
    person = getattr(viewer, "pk", None)
    routed = Recipient.objects.filter(person=viewer).values("report_id") if person else None
    if person and is_student_cadre_only(viewer):
        return Report.objects.filter(
            Q(reporter=viewer) | Q(pk__in=routed, category__is_sensitive=False)
        )
    q = scope.q("unit__path")
    about_my_students = Report.students.through.objects.filter(
        student__in=students_visible(viewer)
    ).values("report_id")
    q |= Q(pk__in=about_my_students)
    if person:
        q |= Q(pk__in=routed) | Q(reporter=viewer)
    qs = Report.objects.filter(q)
    if not from_counsellor_up(viewer):
        if person:
            own = Q(reporter=viewer) | Q(pk__in=routed)
        else:
            token = getattr(viewer, "token", None)
            own = Q(api_token=token) if token is not None else Q(pk__in=[])
        qs = qs.filter(Q(category__is_sensitive=False) | own)
    return qs


def report_list(
    viewer,
    *,
    category=None,
    severity=None,
    ack_state=None,
    verification=None,
    unit=None,
    since=None,
    until=None,
):
    qs = reports_visible(viewer).select_related("category", "unit", "unit__parent", "reporter")
    if category:
        qs = qs.filter(category__code=category)
    if severity:
        qs = qs.filter(severity=severity)
    if ack_state:
        qs = qs.filter(ack_state=ack_state)
    if verification:
        qs = qs.filter(verification=verification)
    if unit:
        qs = qs.filter(unit__path__contains=f"/{unit}/")
    if since:
        qs = qs.filter(filed_at__gte=since)
    if until:
        qs = qs.filter(filed_at__lt=until)
    return qs.order_by("-filed_at", "-pk")


def report_get(viewer, report_id) -> Report:
    return get_object_or_404(
        reports_visible(viewer).select_related(
            "category", "unit", "unit__parent", "reporter", "acknowledged_by", "duplicate_of"
        ),
        pk=report_id,
    )


def reporter_label(viewer, report) -> str:
    """The reporter's name, unless they are a covert observer and the viewer is below counsellor."""
    if report.reporter is None:
        if report.source:
            return gettext("Raised automatically by a rule")
        return report.api_token.name if report.api_token_id else ""
    if (
        report.reporter_is_covert
        and report.reporter_id != getattr(viewer, "pk", None)
        and not sees_covert_identity(viewer)
    ):
        # Not "covert observer": the label alone told a class who among them watches it.
        return gettext("Reporter not shown")
    return report.reporter.display_name


def person_label(viewer, report, person) -> str:
    """Anyone's name on a report's pages, except a covert reporter's below counsellor: their
    updates and events must not give away what the filing hides."""
    if person is None:
        return ""
    if report.reporter_is_covert and person.pk == report.reporter_id:
        return reporter_label(viewer, report)
    return person.display_name


def event_actor_label(viewer, report, event) -> str:
    if event.actor_id:
        return person_label(viewer, report, event.actor)
    if report.api_token_id and event.verb == "report.filed":
        return report.api_token.name
    return "" if event.actor_label == "system" else event.actor_label


def report_updates(viewer, report) -> list:
    """The appended updates, oldest first, each with `author_label` (covert rule applied)."""
    updates = list(
        report.updates.select_related("author").prefetch_related("attachments").order_by("at", "pk")
    )
    for update in updates:
        update.author_label = person_label(viewer, report, update.author)
    return updates


def categories_active():
    return Category.objects.filter(is_active=True)


def report_inbox_ids(person, report):
    """The person's in-app deliveries about this report (to mark them read when it is opened)."""
    return (
        inbox(person)
        .filter(message__subject_type="reports.report", message__subject_id=str(report.pk))
        .values("pk")
    )


def report_timeline(viewer, report):
    """The report's events. The caller got `report` through report_get, so it is visible."""
    return events_for_subject(report)


def my_pending_acks(person):
    return (
        Recipient.objects.filter(
            person=person,
            purpose=Recipient.Purpose.ACK,
            acked_at__isnull=True,
            report__ack_state=Report.AckState.WAITING,
        )
        .select_related("report", "report__category", "report__unit")
        .order_by("due_at")
    )


def report_durations(report):
    """Durations that matter (seconds): filing → first delivery, filing → acknowledgement."""
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
    return {
        "to_first_delivery": (first - report.filed_at).total_seconds() if first else None,
        "to_acknowledgement": (report.acknowledged_at - report.filed_at).total_seconds()
        if report.acknowledged_at
        else None,
    }


def report_deliveries_cancelled(report):
    """The report's deliveries that were cancelled before going out, with the reason stored
    (a channel not configured, no address, or stopped by an acknowledgement)."""
    return Delivery.objects.filter(
        message__subject_type="reports.report",
        message__subject_id=str(report.pk),
        state=Delivery.State.CANCELLED,
    ).order_by("created_at", "pk")


def person_with_post(person, unit=None) -> str:
    """A person named with their post: 何宇轩（分管学生工作副书记）. The post at or above `unit`
    when they hold one there, otherwise their first current post; the name alone if none."""
    if person is None:
        return ""
    posts = list(
        Post.objects.current().filter(person=person).select_related("role", "unit").order_by("pk")
    )
    if unit is not None:
        around = [p for p in posts if unit.path.startswith(p.unit.path)]
        posts = around or posts
    return f"{person.display_name}（{posts[0].role.label}）" if posts else person.display_name


def report_outcome(viewer, report) -> dict:
    """What was decided about the report, from its record: {"verified": …, "decided": …}, each
    {"at", "who", "note", "value"} of the latest such event, or None."""
    outcome: dict[str, dict | None] = {"verified": None, "decided": None}
    for event in (
        events_for_subject(report)
        .filter(verb__in=["report.verified", "report.decided"])
        .order_by("seq")
    ):
        key = "verified" if event.verb == "report.verified" else "decided"
        who = person_label(viewer, report, event.actor) if event.actor_id else ""
        if event.actor_id and who == event.actor.display_name:
            who = person_with_post(event.actor, report.unit)
        outcome[key] = {
            "at": event.at,
            "who": who,
            "note": (event.data or {}).get("note", ""),
            "value": (event.data or {}).get("verdict" if key == "verified" else "decision", ""),
        }
    return outcome

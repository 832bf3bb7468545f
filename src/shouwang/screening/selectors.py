"""Every read of screening, scoped to the viewer: the rounds and their totals for the psych
centre and 学生处; the students' interviews (who was flagged) for the psych centre only.
Anyone else gets 404 — not even that a round exists."""

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from . import permissions
from .instruments import SPECS
from .models import Interview, Round


def rounds_visible(viewer):
    if not permissions.can_see_rounds(viewer):
        return Round.objects.none()
    return Round.objects.select_related("imported_by").defer("upload", "errors")


def round_get(viewer, pk) -> Round:
    rnd = rounds_visible(viewer).filter(pk=pk).first()
    if rnd is None:
        raise Http404
    return rnd


def round_errors(rnd: Round) -> list:
    """The rejected file's errors as [row, column, message] (decrypted)."""
    if rnd.state != Round.State.REJECTED:
        return []
    stored = Round.objects.filter(pk=rnd.pk).values_list("errors", flat=True).first()
    return stored if isinstance(stored, list) else []


def round_summary(viewer, rnd: Round, now=None) -> dict:
    """Counts by the instrument's flag (the flagged first) and the interviews' state."""
    now = now or timezone.now()
    spec = SPECS[rnd.instrument]
    by_flag = [
        {"flag": flag, "count": rnd.counts.get(flag, 0), "flagged": flag in spec.flagged}
        for flag in spec.flags
    ]
    interviews = Interview.objects.filter(round=rnd)
    open_ = interviews.filter(state=Interview.State.OPEN)
    return {
        "by_flag": by_flag,
        "rows": rnd.rows,
        "flagged": rnd.flagged,
        "share": round(100 * rnd.flagged / rnd.rows, 1) if rnd.rows else 0,
        "open": open_.count(),
        "overdue": open_.filter(due_at__lte=now).count(),
        "done": interviews.filter(state=Interview.State.DONE).count(),
        "chart": {
            "flags": [b["flag"] for b in by_flag],
            "counts": [b["count"] for b in by_flag],
            "label": _("Students"),
        },
        "may_see_students": permissions.is_psych_centre(viewer),
    }


def interviews_visible(viewer):
    if not permissions.is_psych_centre(viewer):
        return Interview.objects.none()
    return Interview.objects.select_related("student", "student__klass", "round").defer(
        "outcome", "note"
    )


def interviews_open(viewer, now=None, round_id=None) -> list[Interview]:
    now = now or timezone.now()
    rows = interviews_visible(viewer).filter(state=Interview.State.OPEN)
    if round_id is not None:
        rows = rows.filter(round_id=round_id)
    rows = list(rows.order_by("due_at", "pk")[:500])
    for interview in rows:
        interview.is_overdue = interview.due_at <= now
    return rows


def interview_get(viewer, pk, now=None) -> Interview:
    interview = (
        Interview.objects.select_related("student", "student__klass", "round", "recorded_by")
        .filter(pk=pk, pk__in=interviews_visible(viewer).values("pk"))
        .first()
    )
    if interview is None:
        raise Http404
    interview.is_overdue = interview.state == Interview.State.OPEN and interview.due_at <= (
        now or timezone.now()
    )
    return interview


def result_of(interview: Interview) -> dict:
    """The screening details of an interviewed student (the psych centre's view): the flag,
    and each score under its column's Chinese header."""
    details = (
        interview.round.results.filter(student_id=interview.student_id)
        .values_list("details", flat=True)
        .first()
    )
    if not isinstance(details, dict):
        return {}
    headers = {c.field: c.header for c in SPECS[interview.round.instrument].columns}
    scores = [
        (headers.get(field, field), value)
        for field, value in (details.get("scores") or {}).items()
        if value is not None
    ]
    return {**details, "scores": scores}

"""A student seen present after a rule reported them: the rule's open report (that night's
absence; any 失联) is resolved on the record through reports' `report_resolve_automatic`, with
the time and the source ("已返校 23:12，门禁"); it is never deleted. Called for every batch of
check-ins (monitoring.services), in its transaction."""

import datetime

from django.utils import timezone, translation

from shouwang.audit.services import event_record

from . import filing, nights
from .models import AutoReport, Rule


def resolve_for(checkins: list[tuple], now) -> int:
    """checkins: [(student pk, at, source label)] of students seen present: their rules' open
    reports (that night's absence; any 失联) are resolved on the record."""
    if not checkins:
        return 0
    latest: dict[int, tuple] = {}
    for student_id, at, source in checkins:
        if student_id not in latest or at > latest[student_id][0]:
            latest[student_id] = (at, source)
    open_rows = AutoReport.objects.filter(
        student_id__in=list(latest), resolved_at__isnull=True
    ).select_related("rule")
    done = 0
    for row in open_rows:
        at, source = latest[row.student_id]
        if row.rule.kind == Rule.Kind.NIGHT_ABSENCE and nights.night_of(at) != row.period:
            continue
        if at < row.filed_at - datetime.timedelta(hours=12):
            continue
        with translation.override("zh-hans"):
            note = str(filing.RESOLVED_NOTE) % {
                "time": timezone.localtime(at).strftime("%H:%M"),
                "source": str(source),
            }
        filing.resolve_report(report_id=row.report_id, note=note, now=now)
        AutoReport.objects.filter(pk=row.pk).update(resolved_at=now, resolution=note[:200])
        event_record(
            actor=None,
            subject=row.rule,
            verb="monitoring.report_resolved",
            at=now,
            data={"report": row.report_id, "student": row.student_id, "note": note},
        )
        done += 1
    return done

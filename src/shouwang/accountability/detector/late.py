"""迟报: filed more than the limit after it occurred."""

from shouwang.reports.models import Report

from ..models import Finding
from .common import REPORT, Proposal, _minutes


def late_reports(reports, limit_for) -> list[Proposal]:
    out = []
    for r in reports:
        limit = limit_for(r.category_id, r.severity)
        if (
            limit is None
            or r.reporter_id is None
            or r.verification == Report.Verification.DUPLICATE
        ):
            continue
        gap = _minutes(r.filed_at - r.occurred_at)
        if gap > limit.minutes:
            out.append(
                Proposal(
                    kind=Finding.Kind.LATE_REPORT,
                    subject_type=REPORT,
                    subject_id=str(r.pk),
                    person_id=r.reporter_id,
                    unit_id=r.unit_id,
                    occurred_at=r.filed_at,
                    report_id=r.pk,
                    summary=(
                        f"#{r.pk} {r.category.name}：发生后 {gap} "
                        f"分钟才上报（时限 {limit.minutes} 分钟）"
                    ),
                    facts={"gap_minutes": gap, "limit_minutes": limit.minutes},
                    verbs=("report.filed",),
                )
            )
    return out

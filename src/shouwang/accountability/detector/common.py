"""Shared by the rules: the subjects, windows and limits, and the Proposal a rule makes."""

import re
from dataclasses import dataclass, field
from datetime import timedelta

from shouwang.reports.models import Report

from ..models import ReportingLimit

REPORT = "reports.report"
INCIDENT = "incidents.incident"
WINDOW_DAYS = 90  # the worker looks at reports filed and incidents activated this recently
OUTSIDE_CATEGORIES = (
    "public_opinion",
    "harmful_posting",
)  # the school learns of these from outside
CHAIN_KINDS = ("college", "grade", "class", "dorm_building", "dorm_room")
ON_SCENE_STEP = re.compile(r"(_on_scene|_to_scene)$")
SAME_EVENT_HOURS = 12
MATERIAL_SHARE, MATERIAL_MIN = 0.5, 2
# 虚报/谎报: a later update moving the time it happened by more than this is a material change.
MATERIAL_TIME_SHIFT = timedelta(hours=2)
LEVEL_NAMES = {
    "dorm_room": "宿舍",
    "class": "班级",
    "grade": "年级",
    "college": "学院",
    "office:student_affairs": "学生处",
    "school": "学校领导",
}
DETECTOR_LOCK = 15_4_2026  # the advisory lock key of a detector run (PostgreSQL)
FIELDS = (
    "pk",
    "category_id",
    "severity",
    "unit_id",
    "occurred_at",
    "filed_at",
    "reporter_id",
    "verification",
    "decision",
    "closed_at",
    "people_count",
    "acknowledged_by_id",
    "ack_state",
    "place",
)


@dataclass
class Proposal:
    kind: str
    subject_type: str
    subject_id: str
    person_id: int | None
    unit_id: int
    occurred_at: object
    summary: str
    detail: str = ""
    report_id: int | None = None
    incident_id: int | None = None
    facts: dict = field(default_factory=dict)
    verbs: tuple = ()  # the timeline verbs that are its evidence
    evidence_persons: bool = False  # only the deadline.missed events naming this person

    @property
    def key(self):
        return (self.kind, self.subject_type, self.subject_id, self.person_id or 0)


def _limits():
    rows = {(lim.category_id, lim.severity): lim for lim in ReportingLimit.objects.all()}

    def limit_for(category_id, severity):
        return rows.get((category_id, severity)) or rows.get((None, severity))

    return limit_for


def _minutes(delta) -> int:
    return int(delta.total_seconds() // 60)


def _load_routes(rows):
    missing = [r for r in rows if r.route is None]
    routes = (
        dict(Report.objects.filter(pk__in=[r.pk for r in missing]).values_list("pk", "route"))
        if missing
        else {}
    )
    for r in missing:
        r.route = routes.get(r.pk) or []

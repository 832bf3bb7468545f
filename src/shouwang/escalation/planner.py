"""Routing for many reports at once: who holds which post at each report's levels, loaded in a
few queries, and the writes (recipients, deadlines, messages, report fields) collected and
stored together. Filing uses it for one report; the sweep for hundreds in one transaction. The
rules of routing stay in engine.py (what a route does) and sweep.py (when); this only makes them cheap."""

import json
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from shouwang.audit.services import rows_insert
from shouwang.notify.services import Outgoing, messages_send
from shouwang.org.models import Post, Unit

from . import routing
from .models import Deadline, DutyShift

DUTY_LEVEL = "duty"


def _school(path):
    """The top unit's code of a materialised path "/SCH/C01/…"."""
    return path.split("/")[1]


class Routing:
    def __init__(self, now):
        self.now, self.on = now, timezone.localdate(now)
        self.codes_of: dict[int, set[str]] = {}  # report pk → codes of the units around it
        self.schools_of: dict[int, set[str]] = {}  # report pk → codes of the top units (schools)
        self.posts: dict[str, list[Post]] = defaultdict(list)  # unit code → current posts there
        self.offices: dict[tuple[str, str], list[Post]] = defaultdict(list)  # (school, function) → posts
        self._shifts: dict[str, list] | None = None  # unit code → duty shifts (see duty_officers)
        self.recipients_ack, self.recipients_info, self.deadlines, self.outgoing = [], [], [], []
        self.changed: dict[int, tuple] = {}  # report pk → (report, fields to save)

    # ---- lookups -------------------------------------------------------------------------------
    def load(self, reports, paths=None):
        """The units around each report: its unit, units involved, and the students' class and
        dorm room, each with its ancestors, as codes taken from the materialised paths (two
        queries for the units involved and the students unless the caller passes `paths`:
        {report pk: [paths]}). Who holds which post there is loaded on first use."""
        from shouwang.reports.models import Report

        self.reports = list(reports)
        ids = [r.pk for r in self.reports]
        if paths is None:
            # The sweep annotates the unit's path; anyone else passes the report with its unit.
            paths = {r.pk: [getattr(r, "unit_path", None) or r.unit.path] for r in self.reports}
            units = Report.units_involved.through.objects.filter(report_id__any_of=ids)
            for report_id, path in units.values_list("report_id", "unit__path"):
                paths[report_id].append(path)
            students = Report.students.through.objects.filter(report_id__any_of=ids)
            for report_id, klass, room in students.values_list("report_id", "student__klass__path",
                                                              "student__dorm_room__path"):
                paths[report_id] += [p for p in (klass, room) if p]
        self.codes_of = {rid: {c for p in ps if p for c in p.strip("/").split("/")} for rid, ps in paths.items()}
        self.schools_of = {rid: {_school(p) for p in ps if p} for rid, ps in paths.items()}
        self._posts_loaded = False

    def _load_posts(self):
        """Current posts, with their units, at every unit around the reports and at the offices
        of their schools, limited to the roles the routes can ask for: one query."""
        roles = {"security_officer"}
        for report in self.reports:
            for step in report.route or []:
                roles.update(step["roles"])
        codes = set().union(*self.codes_of.values())
        schools = set().union(*self.schools_of.values())
        offices = Q(pk__in=[])
        for school in schools:
            offices |= Q(path__startswith=f"/{school}/")
        # The units first, by their unique code, then their posts by unit, in two queries: in
        # one, PostgreSQL tested every current post of the school against the list of codes
        # (4 ms for a batch of 30 reports; 1.6 ms for the two).
        unit_ids = list(Unit.objects.filter(Q(code__any_of=codes) | (Q(kind=Unit.Kind.OFFICE, is_active=True) & offices))
                        .order_by().values_list("pk", flat=True))
        for post in (Post.objects.current(self.on).filter(unit_id__any_of=unit_ids, role__code__in=roles,
                                                          person__is_active=True)
                     .select_related("unit", "person", "role")):
            unit = post.unit
            if unit.code in codes:
                self.posts[unit.code].append(post)
            if unit.kind == Unit.Kind.OFFICE and unit.is_active and _school(unit.path) in schools:
                self.offices[(_school(unit.path), unit.function)].append(post)
        self._posts_loaded = True

    def duty_officers(self, report) -> list:
        """Who is on duty nearest the report. The roster of the night (or holiday) is loaded
        once, for the units around all the reports: a curfew burst routes hundreds at night."""
        if self._shifts is None:
            self._shifts = defaultdict(list)
            for shift in (DutyShift.objects.filter(date=routing.duty_date(self.now), person__is_active=True,
                                                   unit__code__any_of=set().union(*self.codes_of.values()))
                          .select_related("person", "unit")):
                self._shifts[shift.unit.code].append(shift)
        return routing.nearest_on_duty(s for c in sorted(self.codes_of[report.pk]) for s in self._shifts.get(c, []))

    def people(self, report, step) -> list[tuple]:
        """[(person, role code)] for a step, most senior role first, each person once."""
        if step["at"] == DUTY_LEVEL:
            return [(p, "duty_officer") for p in self.duty_officers(report)]
        if not self._posts_loaded:
            self._load_posts()
        roles, at = set(step["roles"]), step["at"]
        if at.startswith("office:"):
            function = at.split(":", 1)[1]
            posts = [p for school in sorted(self.schools_of[report.pk]) for p in self.offices.get((school, function), [])]
        else:
            posts = [p for c in sorted(self.codes_of[report.pk]) for p in self.posts.get(c, []) if p.unit.kind == at]
        return routing.people_of(p for p in posts if p.role.code in roles)

    # ---- writes --------------------------------------------------------------------------------
    def save(self, report, *fields):
        _report, known = self.changed.get(report.pk, (report, ()))
        self.changed[report.pk] = (report, tuple(set(known) | set(fields)))

    def deadline(self, **fields):
        self.deadlines.append({"created_at": self.now, **fields})

    def send(self, **fields):
        self.outgoing.append(Outgoing(**fields))

    def flush(self):
        from shouwang.reports.models import Recipient, Report

        rows_insert(Recipient, self.recipients_ack)
        # Informing someone twice about the same step is harmless: keep the first.
        Recipient.objects.bulk_create([Recipient(**row) for row in self.recipients_info], ignore_conflicts=True)
        rows_insert(Deadline, self.deadlines)
        messages_send(self.outgoing, now=self.now)
        # Reports escalated together mostly move to the same step: one UPDATE per distinct set of
        # new values is far cheaper than bulk_update's CASE over hundreds of rows.
        by_values = defaultdict(list)
        for report, fields in self.changed.values():
            values = tuple((f, json.dumps(getattr(report, f), sort_keys=True, default=str)) for f in sorted(fields))
            by_values[values].append(report)
        for values, reports in by_values.items():
            first = reports[0]
            Report.objects.filter(pk__any_of=[r.pk for r in reports]).update(**{f: getattr(first, f) for f, _v in values})

"""Routing for many reports at once: who holds which post at each report's levels, loaded in a
few queries, and the writes (recipients, deadlines, messages, report fields) collected and
stored together. Filing uses it for one report; the sweep for hundreds in one transaction. The
rules of routing stay in engine.py; this only makes them cheap."""

import json
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from shouwang.notify.services import Outgoing, messages_send
from shouwang.org.models import Post, Unit

from . import routing
from .models import Deadline

DUTY_LEVEL = "duty"


class Routing:
    def __init__(self, now):
        self.now, self.on = now, timezone.localdate(now)
        self.units_of: dict[int, list[Unit]] = {}
        self.posts: dict[int, list[Post]] = defaultdict(list)
        self.offices: dict[tuple[str, str], list[Unit]] = defaultdict(list)
        self.recipients_ack, self.recipients_info, self.deadlines, self.outgoing = [], [], [], []
        self.changed: dict[int, tuple] = {}  # report pk → (report, fields to save)

    # ---- lookups -------------------------------------------------------------------------------
    def load(self, reports, paths=None):
        """Every unit around the reports (their unit, units involved, the students' class and dorm
        room with ancestors) and the school's offices, in one query (two more for the paths of
        units involved and students unless the caller passes `paths`: {report pk: [paths]}).
        Posts are loaded on first use, for the roles the reports' routes name."""
        from shouwang.reports.models import Report

        self.reports = list(reports)
        ids = [r.pk for r in self.reports]
        if paths is None:
            paths = {r.pk: [r.unit.path] for r in self.reports}
            through = Report.units_involved.through.objects.filter(report_id__in=ids)
            for report_id, path in through.values_list("report_id", "unit__path"):
                paths[report_id].append(path)
            through = Report.students.through.objects.filter(report_id__in=ids)
            for report_id, klass, room in through.values_list("report_id", "student__klass__path",
                                                              "student__dorm_room__path"):
                paths[report_id] += [p for p in (klass, room) if p]
        codes = {rid: {c for p in ps if p for c in p.strip("/").split("/")} for rid, ps in paths.items()}
        roots = {p.split("/")[1] for ps in paths.values() for p in ps if p}
        offices = Q(pk__in=[])
        for root in roots:
            offices |= Q(path__startswith=f"/{root}/", kind=Unit.Kind.OFFICE, is_active=True)
        units = {}
        for unit in Unit.objects.filter(Q(code__in=set().union(*codes.values())) | offices):
            units[unit.code] = unit
            if unit.kind == Unit.Kind.OFFICE and unit.is_active and unit.path.split("/")[1] in roots:
                self.offices[(unit.path.split("/")[1], unit.function)].append(unit)
        for rid, report_codes in codes.items():
            self.units_of[rid] = [units[c] for c in sorted(report_codes) if c in units]
        self._posts_loaded = False

    def _load_posts(self):
        """Current posts at all the units, limited to the roles the routes can ask for."""
        roles = {"security_officer"}
        for report in self.reports:
            for step in report.route or []:
                roles.update(step["roles"])
        unit_ids = ({u.pk for us in self.units_of.values() for u in us}
                    | {o.pk for os in self.offices.values() for o in os})
        for post in (Post.objects.current(self.on)
                     .filter(unit_id__in=unit_ids, role__code__in=roles, person__is_active=True)
                     .select_related("person", "role")):
            self.posts[post.unit_id].append(post)
        self._posts_loaded = True

    def level_units(self, report, at) -> list[Unit]:
        units = self.units_of[report.pk]
        if at.startswith("office:"):
            function = at.split(":", 1)[1]
            roots = {u.path.split("/")[1] for u in units}
            return [o for root in sorted(roots) for o in self.offices.get((root, function), [])]
        return [u for u in units if u.kind == at]

    def people(self, report, step) -> list[tuple]:
        """[(person, role code)] for a step, most senior role first, each person once."""
        if step["at"] == DUTY_LEVEL:
            return [(p, "duty_officer") for p in routing.duty_officers(self.units_of[report.pk], self.now)]
        if not self._posts_loaded:
            self._load_posts()
        roles = set(step["roles"])
        return routing.people_of(p for u in self.level_units(report, step["at"]) for p in self.posts.get(u.pk, [])
                                 if p.role.code in roles)

    # ---- writes --------------------------------------------------------------------------------
    def save(self, report, *fields):
        _report, known = self.changed.get(report.pk, (report, ()))
        self.changed[report.pk] = (report, tuple(set(known) | set(fields)))

    def deadline(self, **fields):
        self.deadlines.append(Deadline(created_at=self.now, **fields))

    def send(self, **fields):
        self.outgoing.append(Outgoing(**fields))

    def flush(self):
        from shouwang.reports.models import Recipient, Report

        Recipient.objects.bulk_create(self.recipients_ack)
        # Informing someone twice about the same step is harmless: keep the first.
        Recipient.objects.bulk_create(self.recipients_info, ignore_conflicts=True)
        Deadline.objects.bulk_create(self.deadlines)
        messages_send(self.outgoing, now=self.now)
        # Reports escalated together mostly move to the same step: one UPDATE per distinct set of
        # new values is far cheaper than bulk_update's CASE over hundreds of rows.
        by_values = defaultdict(list)
        for report, fields in self.changed.values():
            values = tuple((f, json.dumps(getattr(report, f), sort_keys=True, default=str)) for f in sorted(fields))
            by_values[values].append(report)
        for values, reports in by_values.items():
            first = reports[0]
            Report.objects.filter(pk__in=[r.pk for r in reports]).update(**{f: getattr(first, f) for f, _v in values})

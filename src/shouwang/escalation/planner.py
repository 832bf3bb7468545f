"""Routing for many subjects at once: who holds which post at each subject's levels, loaded in
a few queries, and the writes (deadlines, messages) collected and stored together. Subject apps
subclass it to collect their own rows too (reports.route.ReportRouting adds the recipients and
the report fields). Filing uses it for one report; the sweep for hundreds in one transaction.
The rules of a route stay with the subject app; this only makes them cheap."""

from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from shouwang.audit.services import rows_insert
from shouwang.notify.services import Outgoing, messages_send
from shouwang.org.models import Post, Unit

from . import routing
from .models import Deadline, DutyShift

DUTY_LEVEL = "duty"  # a step "at" the roster itself (routes frozen before policies named the role)
DUTY_ROLE = "duty_officer"


def _school(path):
    """The top unit's code of a materialised path "/SCH/C01/…"."""
    return path.split("/")[1]


class Routing:
    def __init__(self, now):
        self.now, self.on = now, timezone.localdate(now)
        self.codes_of: dict[int, set[str]] = {}  # subject pk → codes of the units around it
        self.schools_of: dict[int, set[str]] = {}  # subject pk → codes of the top units (schools)
        self.posts: dict[str, list[Post]] = defaultdict(list)  # unit code → current posts there
        self.offices: dict[tuple[str, str], list[Post]] = defaultdict(
            list
        )  # (school, function) → posts
        self._shifts: dict[str, list] | None = None  # unit code → duty shifts (see duty_officers)
        self._duty_time: bool | None = None
        self.roles: set[str] = set()
        self.deadlines: list[dict] = []
        self.outgoing: list[Outgoing] = []

    # ---- lookups -------------------------------------------------------------------------------
    def load(self, subjects, paths: dict, roles) -> None:
        """The units around each subject, as codes taken from the materialised paths the caller
        gives ({subject pk: [unit paths]}), and the roles its steps may ask for. Who holds which
        post there is loaded on first use."""
        self.subjects = list(subjects)
        self.roles = set(roles)
        self.codes_of = {
            sid: {c for p in ps if p for c in p.strip("/").split("/")} for sid, ps in paths.items()
        }
        self.schools_of = {sid: {_school(p) for p in ps if p} for sid, ps in paths.items()}
        self._posts_loaded = False

    def _load_posts(self):
        """Current posts, with their units, at every unit around the subjects and at the offices
        of their schools, limited to the roles the routes can ask for: one query."""
        roles = self.roles
        codes = set().union(*self.codes_of.values())
        schools = set().union(*self.schools_of.values())
        offices = Q(pk__in=[])
        for school in schools:
            offices |= Q(path__startswith=f"/{school}/")
        # The units first, by their unique code, then their posts by unit, in two queries: in
        # one, PostgreSQL tested every current post of the school against the list of codes
        # (4 ms for a batch of 30 reports; 1.6 ms for the two).
        unit_ids = list(
            Unit.objects.filter(
                Q(code__any_of=codes) | (Q(kind=Unit.Kind.OFFICE, is_active=True) & offices)
            )
            .order_by()
            .values_list("pk", flat=True)
        )
        for post in (
            Post.objects.current(self.on)
            .filter(unit_id__any_of=unit_ids, role__code__in=roles, person__is_active=True)
            .select_related("unit", "person", "role")
        ):
            unit = post.unit
            if unit.code in codes:
                self.posts[unit.code].append(post)
            if unit.kind == Unit.Kind.OFFICE and unit.is_active and _school(unit.path) in schools:
                self.offices[(_school(unit.path), unit.function)].append(post)
        self._posts_loaded = True

    def duty_officers(self, subject) -> list:
        """Who is on duty nearest the subject. The roster of the night (or holiday) is loaded
        once, for the units around all the subjects: a curfew burst routes hundreds at night."""
        if self._shifts is None:
            self._shifts = defaultdict(list)
            for shift in DutyShift.objects.filter(
                date=routing.duty_date(self.now),
                person__is_active=True,
                unit__code__any_of=set().union(*self.codes_of.values()),
            ).select_related("person", "unit"):
                self._shifts[shift.unit.code].append(shift)
        return routing.nearest_on_duty(
            s for c in sorted(self.codes_of[subject.pk]) for s in self._shifts.get(c, [])
        )

    def duty_time(self) -> bool:
        if self._duty_time is None:
            self._duty_time = routing.is_duty_time(self.now)
        return self._duty_time

    def people(self, subject, step) -> list[tuple]:
        """[(person, role code)] for a step, most senior role first, each person once. A step
        that names the duty officer asks, at night and on holidays, the person on the roster
        nearest the subject too (once, even if they also hold a post the step names)."""
        if step["at"] == DUTY_LEVEL:
            return [(p, DUTY_ROLE) for p in self.duty_officers(subject)]
        if not self._posts_loaded:
            self._load_posts()
        roles, at = set(step["roles"]), step["at"]
        if at.startswith("office:"):
            function = at.split(":", 1)[1]
            posts = [
                p
                for school in sorted(self.schools_of[subject.pk])
                for p in self.offices.get((school, function), [])
            ]
        else:
            posts = [
                p
                for c in sorted(self.codes_of[subject.pk])
                for p in self.posts.get(c, [])
                if p.unit.kind == at
            ]
        people = routing.people_of(p for p in posts if p.role.code in roles)
        if DUTY_ROLE in roles and self.duty_time():
            known = {p.pk for p, _role in people}
            people += [(p, DUTY_ROLE) for p in self.duty_officers(subject) if p.pk not in known]
        return people

    # ---- writes --------------------------------------------------------------------------------
    def deadline(self, **fields):
        self.deadlines.append({"created_at": self.now, **fields})

    def send(self, **fields):
        self.outgoing.append(Outgoing(**fields))

    def flush(self):
        """Store the collected deadlines and messages (a subclass stores its rows, then calls
        this)."""
        rows_insert(Deadline, self.deadlines)
        messages_send(self.outgoing, now=self.now)

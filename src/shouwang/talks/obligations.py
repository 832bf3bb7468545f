"""The obligations on the engine (R-CARE-2). A worker sweep opens, for every enrolled student,
this month's talk and this semester's parent contact (and home visit, for key students), each
with a Deadline at the period's end. When those fall due, the overdue sweep tells each holder
ONCE, listing their overdue students, and schedules the escalation; when that falls due, the
college's deputy secretary gets one message per college. Recording a talk meets the obligation
and cancels its deadlines (services.talk_record)."""

import calendar
import datetime
import uuid
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.accounts.models import User
from shouwang.audit.services import batched_events, event_record, rows_insert
from shouwang.escalation import sweep as engine
from shouwang.escalation.models import Deadline
from shouwang.escalation.services import deadlines_schedule
from shouwang.notify.services import Outgoing, messages_send
from shouwang.org.models import Post, Student, Unit

from . import hooks
from .models import Kind, Obligation, Semester

SUBJECT = "talks.obligation"
OVERDUE = "talk_overdue"
ESCALATE = "talk_escalate"
NAMES_IN_MESSAGE = 40


def escalate_after() -> datetime.timedelta:
    return datetime.timedelta(days=getattr(settings, "TALKS_ESCALATE_DAYS", 3))


def month_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def end_of(day: datetime.date) -> datetime.datetime:
    """The instant the period ending on `day` is over: the next local midnight."""
    nxt = day + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime(nxt.year, nxt.month, nxt.day))


def semester_on(day: datetime.date) -> Semester | None:
    return Semester.objects.filter(start__lte=day, end__gte=day).first()


def holders_by_class(on: datetime.date) -> dict[int, int]:
    """class unit id → the person who owes its talks: the counsellor posted at the class or the
    nearest unit above it, else its class teacher."""
    classes = dict(Unit.objects.filter(kind=Unit.Kind.CLASS).values_list("id", "path"))
    by_path: dict[str, dict[str, int]] = defaultdict(dict)
    for path, role, person in (
        Post.objects.current(on)
        .filter(role__code__in=("counsellor", "class_teacher"))
        .order_by("-since", "-pk")
        .values_list("unit__path", "role__code", "person_id")
    ):
        by_path[path].setdefault(role, person)
    out = {}
    for cid, path in classes.items():
        prefixes = [p for p in by_path if path.startswith(p)]
        prefixes.sort(key=len, reverse=True)
        for role in ("counsellor", "class_teacher"):
            found = next((by_path[p][role] for p in prefixes if role in by_path[p]), None)
            if found is not None:
                out[cid] = found
                break
    return out


def colleges_by_class() -> dict[int, int]:
    colleges = dict(Unit.objects.filter(kind=Unit.Kind.COLLEGE).values_list("path", "id"))
    out = {}
    for cid, path in Unit.objects.filter(kind=Unit.Kind.CLASS).values_list("id", "path"):
        out[cid] = next((c for p, c in colleges.items() if path.startswith(p)), None)
    return out


def _plans(today):
    start, end = month_of(today)
    plans = [(Kind.TALK, start, end, False)]
    semester = semester_on(today)
    if semester is not None:
        plans.append((Kind.PARENT_CONTACT, semester.start, semester.end, False))
        plans.append((Kind.HOME_VISIT, semester.start, semester.end, True))
    return plans


def obligations_open(*, now=None, classes=None) -> int:
    """Open the current period's obligations for every enrolled student who has none yet (the
    worker runs it every few minutes: the first run of a month opens them all, later runs pick
    up students enrolled since). `classes` (unit ids) limits it to some classes (the demo's
    earlier month). Returns how many were opened."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    enrolled = Student.objects.filter(status=Student.Status.ENROLLED)
    if classes is not None:
        enrolled = enrolled.filter(klass_id__in=list(classes))
    students = dict(enrolled.values_list("id", "klass_id"))
    if not students:
        return 0
    opened = 0
    holders = colleges = None
    for kind, start, end, key_only in _plans(today):
        have = set(
            Obligation.objects.filter(kind=kind, period_start=start).values_list(
                "student_id", flat=True
            )
        )
        missing = [s for s in students if s not in have]
        if key_only and missing:
            keys = hooks.key_students(missing)
            missing = [s for s in missing if s in keys]
        if not missing:
            continue
        if holders is None:
            holders, colleges = holders_by_class(today), colleges_by_class()
        due = end_of(end)
        with transaction.atomic():
            ids = rows_insert(
                Obligation,
                [
                    {
                        "student_id": s,
                        "kind": kind,
                        "period_start": start,
                        "period_end": end,
                        "due_at": due,
                        "holder_id": holders.get(students[s]),
                        "klass_id": students[s],
                        "college_id": colleges.get(students[s]),
                        "state": Obligation.State.OPEN,
                        "escalated": False,
                        "met_at": None,
                        "record_id": None,
                        "created_at": now,
                    }
                    for s in missing
                ],
                ids=True,
            )
            deadlines_schedule(
                deadlines=[
                    {"kind": OVERDUE, "subject_type": SUBJECT, "subject_id": i, "due_at": due}
                    for i in ids
                ],
                now=now,
            )
            event_record(
                actor=None,
                subject=("talks.period", f"{kind}:{start.isoformat()}"),
                verb="talks.obligations_opened",
                data={"kind": kind, "start": start.isoformat(), "count": len(ids)},
                at=now,
            )
        opened += len(ids)
    return opened


def _group_claim(kind, now, limit, group_field, states):
    """Claim the due `kind` deadlines of whole groups (all of a holder's, or a college's), so
    that each group gets one message: the groups of the first `limit` due rows, all their due
    rows with them. Returns (claimed deadlines, obligations by id)."""
    window = engine.due_window(kind, now, limit)[:limit]
    if not window:
        return [], {}
    first = {int(sid) for _pk, sid in window}
    groups = set(
        Obligation.objects.filter(pk__any_of=list(first)).values_list(group_field, flat=True)
    )
    same = Obligation.objects.filter(state__in=states, due_at__lte=now)
    keyed = {g for g in groups if g is not None}
    members = set(
        same.filter(**{f"{group_field}__any_of": list(keyed)}).values_list("pk", flat=True)
    )
    if None in groups:
        members |= set(same.filter(**{f"{group_field}__isnull": True}).values_list("pk", flat=True))
    members |= first
    candidates = list(
        Deadline.objects.filter(
            kind=kind,
            state=Deadline.State.OPEN,
            due_at__lte=now,
            subject_type=SUBJECT,
            subject_id__any_of=[str(m) for m in members],
        ).values_list("pk", flat=True)
    )
    claimed = engine.claim_done(candidates, token=uuid.uuid4().hex, now=now)
    obligations = Obligation.objects.in_bulk([int(d.subject_id) for d in claimed])
    return claimed, obligations


def _names(students: list[str]) -> str:
    shown = "、".join(students[:NAMES_IN_MESSAGE])
    if len(students) > NAMES_IN_MESSAGE:
        shown += _(" and %(n)d more") % {"n": len(students) - NAMES_IN_MESSAGE}
    return shown


KIND_LABEL = {
    Kind.TALK: "谈心谈话",
    Kind.PARENT_CONTACT: "家长联系",
    Kind.HOME_VISIT: "家访",
}


def sweep_overdue(now, worker_id, limit) -> int:
    """Due talk / contact / visit deadlines: the obligations go overdue, each holder gets one
    message listing their overdue students, and the escalation to the deputy secretary is
    scheduled."""
    with transaction.atomic(), batched_events():
        claimed, obligations = _group_claim(
            OVERDUE, now, limit, "holder_id", [Obligation.State.OPEN]
        )
        if not claimed:
            return 0
        live = [o for o in obligations.values() if o.state == Obligation.State.OPEN]
        Obligation.objects.filter(
            pk__any_of=[o.pk for o in live], state=Obligation.State.OPEN
        ).update(state=Obligation.State.OVERDUE)
        names = dict(
            Student.objects.filter(pk__any_of=[o.student_id for o in live]).values_list(
                "pk", "name"
            )
        )
        by_holder: dict = defaultdict(list)
        for o in live:
            by_holder[o.holder_id].append(o)
        people = _people({h for h in by_holder if h is not None})
        items = []
        for holder, rows in by_holder.items():
            kinds = sorted({o.kind for o in rows})
            label = "、".join(KIND_LABEL[k] for k in kinds)
            event_record(
                actor=None,
                subject=("talks.holder", holder or 0),
                verb="talks.overdue",
                data={"kinds": kinds, "count": len(rows), "obligations": [o.pk for o in rows]},
                at=now,
            )
            if holder is None:
                continue
            items.append(
                Outgoing(
                    "talks.holder",
                    str(holder),
                    "talks.overdue",
                    _("%(n)d students overdue: %(kinds)s") % {"n": len(rows), "kinds": label},
                    _names([names.get(o.student_id, "?") for o in rows]),
                    "/talks/",
                    [people[holder]],
                )
            )
        messages_send(items, now=now)
        deadlines_schedule(
            deadlines=[
                {
                    "kind": ESCALATE,
                    "subject_type": SUBJECT,
                    "subject_id": o.pk,
                    "fence": 1,
                    "due_at": now + escalate_after(),
                }
                for o in live
            ],
            now=now,
        )
        engine.deadlines_outcome(
            {
                "overdue": [d.pk for d in claimed if int(d.subject_id) in {o.pk for o in live}],
                "stale": [d.pk for d in claimed if int(d.subject_id) not in {o.pk for o in live}],
            }
        )
    return len(claimed)


def _people(ids):
    return User.objects.in_bulk(list(ids))


def deputies_by_college(college_ids) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for post in (
        Post.objects.current()
        .filter(unit_id__in=list(college_ids), role__code="deputy_secretary")
        .select_related("person")
    ):
        out[post.unit_id].append(post.person)
    return out


def sweep_escalate(now, worker_id, limit) -> int:
    """Still overdue after the grace period: each college's deputy secretary gets one message
    with the counsellors and how many students each still owes."""
    with transaction.atomic(), batched_events():
        claimed, obligations = _group_claim(
            ESCALATE, now, limit, "college_id", [Obligation.State.OVERDUE]
        )
        if not claimed:
            return 0
        live = [o for o in obligations.values() if o.state == Obligation.State.OVERDUE]
        Obligation.objects.filter(pk__any_of=[o.pk for o in live]).update(escalated=True)
        by_college: dict = defaultdict(lambda: defaultdict(int))
        for o in live:
            by_college[o.college_id][o.holder_id] += 1
        holders = _people({h for c in by_college.values() for h in c if h is not None})
        deputies = deputies_by_college({c for c in by_college if c is not None})
        items = []
        for college, counts in by_college.items():
            lines = [
                f"{holders[h].display_name if h in holders else _('(no holder)')}：{n}"
                for h, n in sorted(counts.items(), key=lambda kv: -kv[1])
            ]
            total = sum(counts.values())
            event_record(
                actor=None,
                subject=("org.unit", college or 0),
                verb="talks.escalated",
                data={"count": total, "by_holder": {str(h): n for h, n in counts.items()}},
                at=now,
            )
            items.append(
                Outgoing(
                    "org.unit",
                    str(college or 0),
                    "talks.escalated",
                    _("%(n)d students still overdue for talks or parent contacts") % {"n": total},
                    "\n".join(lines[:NAMES_IN_MESSAGE]),
                    "/talks/statistics/",
                    deputies.get(college, []),
                )
            )
        messages_send(items, now=now)
        live_ids = {o.pk for o in live}
        engine.deadlines_outcome(
            {
                "escalated": [d.pk for d in claimed if int(d.subject_id) in live_ids],
                "stale": [d.pk for d in claimed if int(d.subject_id) not in live_ids],
            }
        )
    return len(claimed)

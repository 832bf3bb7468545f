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
from django.db import connection, transaction
from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from shouwang.accounts.models import User
from shouwang.audit.services import COPY_MIN_ROWS, batched_events, event_record, rows_insert
from shouwang.escalation import sweep as engine
from shouwang.escalation.models import Deadline
from shouwang.escalation.services import deadlines_cancel, deadlines_schedule
from shouwang.notify.services import Outgoing, messages_send
from shouwang.org.models import Post, Student, Unit

from . import hooks
from .models import Kind, Obligation, Semester

SUBJECT = "talks.obligation"
ESCALATION_SUBJECT = "talks.escalation"
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


def _insert(rows: list[dict], *, kind, start) -> list[int]:
    """The period's new obligations, returning their ids in order. PostgreSQL: rows_insert
    (COPY). Elsewhere one executemany of plain tuples: tens of thousands at the month's start,
    where bulk_create would build a model instance for each; the ids are then read back by
    student (one obligation per student, kind and period)."""
    if connection.vendor == "postgresql":
        return rows_insert(Obligation, rows, ids=True)
    fields = [f for f in Obligation._meta.concrete_fields if not f.primary_key]
    q = connection.ops.quote_name
    first = rows[0]
    prepared = {
        f.attname: f.get_db_prep_save(first[f.attname], connection)
        for f in fields
        if f.attname not in ("student_id", "holder_id", "klass_id", "college_id")
    }
    values = [
        tuple(prepared[f.attname] if f.attname in prepared else row[f.attname] for f in fields)
        for row in rows
    ]
    sql = (
        f"INSERT INTO {q(Obligation._meta.db_table)} ({', '.join(q(f.column) for f in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))})"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
    ids = dict(
        Obligation.objects.filter(kind=kind, period_start=start).values_list("student_id", "pk")
    )
    return [ids[row["student_id"]] for row in rows]


def obligations_close_departed(*, now, limit=2000) -> int:
    """Students no longer enrolled (休学, withdrawn, graduated) owe nothing: their open and
    overdue obligations are cancelled with their deadlines (run before opening new ones)."""
    gone = list(
        Obligation.objects.filter(state__in=[Obligation.State.OPEN, Obligation.State.OVERDUE])
        .exclude(student__status=Student.Status.ENROLLED)
        .values_list("pk", flat=True)[:limit]
    )
    if not gone:
        return 0
    with transaction.atomic():
        Obligation.objects.filter(pk__any_of=gone).update(state=Obligation.State.CANCELLED)
        for pk in gone:
            deadlines_cancel(subject_type=SUBJECT, subject_id=pk, now=now, outcome="not_enrolled")
        event_record(
            actor=None,
            subject=("talks.period", "departed"),
            verb="talks.obligations_cancelled",
            data={"obligations": gone, "reason": "not_enrolled"},
            at=now,
        )
    return len(gone)


def obligations_open(*, now=None, classes=None) -> int:
    """Open the current period's obligations for every enrolled student who has none yet (the
    worker runs it every few minutes: the first run of a month opens them all, later runs pick
    up students enrolled since). `classes` (unit ids) limits it to some classes (the demo's
    earlier month). Returns how many were opened."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    obligations_close_departed(now=now)
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
            ids = _insert(
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
                kind=kind,
                start=start,
            )
            # rows_insert (under deadlines_schedule) COPYs a large set on PostgreSQL; elsewhere it
            # builds model instances for one, but writes a set of fewer than COPY_MIN_ROWS as one
            # plain INSERT, three times cheaper: so on SQLite the rows go in such slices.
            step = len(ids) if connection.vendor == "postgresql" else COPY_MIN_ROWS - 1
            for i in range(0, len(ids), step):
                deadlines_schedule(
                    deadlines=[
                        {"kind": OVERDUE, "subject_type": SUBJECT, "subject_id": pk, "due_at": due}
                        for pk in ids[i : i + step]
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


def _claim_by_holder(now, limit):
    """Claim the due overdue-deadlines of whole holders, so that each holder gets ONE message:
    the holders of the due window's rows (several batches deep), all their due rows with them.
    Returns (claimed deadlines, their obligations as (pk, student, holder, kind, state))."""
    window = engine.due_window(OVERDUE, now, limit)
    if not window:
        return [], []
    first = [int(sid) for _pk, sid in window]
    holders = set(Obligation.objects.filter(pk__any_of=first).values_list("holder_id", flat=True))
    due = Obligation.objects.filter(state=Obligation.State.OPEN, due_at__lte=now)
    keyed = [h for h in holders if h is not None]
    members = (
        set(due.filter(holder_id__any_of=keyed).values_list("pk", flat=True)) if keyed else set()
    )
    if None in holders:
        members |= set(due.filter(holder_id__isnull=True).values_list("pk", flat=True))
    members |= set(first)
    candidates = list(
        Deadline.objects.filter(
            kind=OVERDUE,
            state=Deadline.State.OPEN,
            subject_type=SUBJECT,
            subject_id__any_of=[str(m) for m in members],
        ).values_list("pk", flat=True)
    )
    claimed = engine.claim_done(candidates, token=uuid.uuid4().hex, now=now)
    # Plain tuples, no dates: converting a value per row is what a sweep of 50,000 pays most.
    rows = list(
        Obligation.objects.filter(pk__any_of=[int(d.subject_id) for d in claimed]).values_list(
            "pk", "student_id", "holder_id", "kind", "state"
        )
    )
    return claimed, rows


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


def escalation_key(college_id, kind, period_start) -> str:
    return f"{college_id or 0}:{kind}:{period_start.isoformat()}"


def sweep_overdue(now, worker_id, limit) -> int:
    """Due talk / contact / visit deadlines: the obligations go overdue, each holder gets one
    message listing their overdue students, and each college's escalation (one deadline per
    college, kind and period) is scheduled if it is not already."""
    with transaction.atomic(), batched_events():
        claimed, rows = _claim_by_holder(now, limit)
        if not claimed:
            return 0
        live = [r for r in rows if r[4] == Obligation.State.OPEN]
        live_ids = {r[0] for r in live}
        Obligation.objects.filter(pk__any_of=list(live_ids), state=Obligation.State.OPEN).update(
            state=Obligation.State.OVERDUE
        )
        by_holder: dict = defaultdict(list)
        for r in live:
            by_holder[r[2]].append(r)
        people = _people({h for h in by_holder if h is not None})
        # Names only for the students a message lists.
        named = [r[1] for group in by_holder.values() for r in group[:NAMES_IN_MESSAGE]]
        names = dict(Student.objects.filter(pk__any_of=named).values_list("pk", "name"))
        items = []
        for holder, group in by_holder.items():
            kinds = sorted({r[3] for r in group})
            label = "、".join(KIND_LABEL[k] for k in kinds)
            event_record(
                actor=None,
                subject=("talks.holder", holder or 0),
                verb="talks.overdue",
                data={"kinds": kinds, "count": len(group), "obligations": [r[0] for r in group]},
                at=now,
            )
            if holder is None:
                continue
            items.append(
                Outgoing(
                    "talks.holder",
                    str(holder),
                    "talks.overdue",
                    _("%(n)d students overdue: %(kinds)s") % {"n": len(group), "kinds": label},
                    _names([names.get(r[1], "?") for r in group]),
                    "/talks/",
                    [people[holder]],
                )
            )
        messages_send(items, now=now)
        keys = (
            {
                escalation_key(college, kind, start)
                for college, kind, start in Obligation.objects.filter(pk__any_of=list(live_ids))
                .values_list("college_id", "kind", "period_start")
                .distinct()
            }
            if live_ids
            else set()
        )
        scheduled = (
            set(
                Deadline.objects.filter(
                    kind=ESCALATE, subject_type=ESCALATION_SUBJECT, subject_id__any_of=list(keys)
                ).values_list("subject_id", flat=True)
            )
            if keys
            else set()
        )
        deadlines_schedule(
            deadlines=[
                {
                    "kind": ESCALATE,
                    "subject_type": ESCALATION_SUBJECT,
                    "subject_id": key,
                    "due_at": now + escalate_after(),
                }
                for key in sorted(keys - scheduled)
            ],
            now=now,
        )
        # Only the exceptions get an outcome written: a second pass over 50,000 claimed rows would
        # cost a third of the sweep, and the talks.overdue events already name every obligation.
        stale = [d.pk for d in claimed if int(d.subject_id) not in live_ids]
        if stale:
            engine.deadlines_outcome({"stale": stale})
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


def lock_escalation(subject_id):
    """The escalation's subject is (college, kind, period): the obligations still overdue and
    not yet escalated, locked (nothing to lock: None, the deadline is left for nobody)."""
    college, kind, start = subject_id.split(":")
    rows = Obligation.objects.select_for_update().filter(
        kind=kind,
        period_start=datetime.date.fromisoformat(start),
        state=Obligation.State.OVERDUE,
        escalated=False,
    )
    rows = rows.filter(college_id=int(college)) if college != "0" else rows.filter(college=None)
    return {"college": int(college) or None, "kind": kind, "rows": rows}


def escalate(deadline, subject, now) -> str:
    """Still overdue after the grace period: the college's deputy secretary gets one message
    with the counsellors and how many students each still owes."""
    counts: dict = defaultdict(int)
    for holder in subject["rows"].values_list("holder_id", flat=True):
        counts[holder] += 1
    if not counts:
        return "nothing_left"
    subject["rows"].update(escalated=True)
    college = subject["college"]
    holders = _people({h for h in counts if h is not None})
    deputies = deputies_by_college([college]).get(college, []) if college else []
    lines = [
        f"{holders[h].display_name if h in holders else _('(no holder)')}：{n}"
        for h, n in sorted(counts.items(), key=lambda kv: -kv[1])
    ]
    total = sum(counts.values())
    event_record(
        actor=None,
        subject=("org.unit", college or 0),
        verb="talks.escalated",
        data={
            "kind": subject["kind"],
            "count": total,
            "by_holder": {str(h): n for h, n in counts.items()},
            "to": [p.pk for p in deputies],
        },
        at=now,
    )
    messages_send(
        [
            Outgoing(
                "org.unit",
                str(college or 0),
                "talks.escalated",
                _("%(n)d students still overdue: %(kinds)s")
                % {"n": total, "kinds": KIND_LABEL[subject["kind"]]},
                "\n".join(lines[:NAMES_IN_MESSAGE]),
                "/talks/statistics/",
                deputies,
            )
        ],
        now=now,
    )
    return "escalated"


# ---- the auditor (registered in apps.py): every student owes this month's talk, every -------
# ---- open obligation has its deadline --------------------------------------------------------


def _open_without_deadline():
    live = Deadline.objects.filter(
        kind=OVERDUE,
        subject_type=SUBJECT,
        subject_id=Cast(OuterRef("pk"), CharField()),
        state=Deadline.State.OPEN,
    )
    return Obligation.objects.filter(state=Obligation.State.OPEN).filter(~Exists(live))


def obligations_missing(*, now=None) -> list[str]:
    """What the auditor finds: enrolled students without this month's talk obligation
    ("student:<id>") and open obligations without a live overdue deadline ("obligation:<id>")."""
    now = now or timezone.now()
    start, _end = month_of(timezone.localdate(now))
    owed = Obligation.objects.filter(kind=Kind.TALK, period_start=start, student_id=OuterRef("pk"))
    # Until the sweep has opened the month (its first minutes, a fresh install) nobody is owed
    # yet: only a month already opened can have lost a student's row.
    opened = Obligation.objects.filter(kind=Kind.TALK, period_start=start).exists()
    students = Student.objects.filter(status=Student.Status.ENROLLED).filter(~Exists(owed))
    missing = list(students.values_list("pk", flat=True)) if opened else []
    return [f"student:{pk}" for pk in missing] + [
        f"obligation:{pk}" for pk in _open_without_deadline().values_list("pk", flat=True)
    ]


def obligations_repair(*, now, **kwargs) -> int:
    """Put back what is missing: the period's rows through obligations_open (idempotent, the same
    path the worker's sweep takes) and each open obligation's overdue deadline, on the record."""
    start, _end = month_of(timezone.localdate(now))
    month_opened = Obligation.objects.filter(kind=Kind.TALK, period_start=start).exists()
    # A month the sweep has not opened yet is the sweep's to open, not a loss to repair.
    opened = obligations_open(now=now) if month_opened else 0
    with transaction.atomic():
        rows = list(_open_without_deadline().select_for_update().values_list("pk", "due_at"))
        if rows:
            deadlines_schedule(
                deadlines=[
                    {
                        "kind": OVERDUE,
                        "subject_type": SUBJECT,
                        "subject_id": pk,
                        "due_at": max(due, now),
                    }
                    for pk, due in rows
                ],
                now=now,
            )
            event_record(
                actor=None,
                subject=("talks.period", "auditor"),
                verb="talks.deadlines_restored",
                data={"obligations": [pk for pk, _due in rows]},
                at=now,
            )
    return opened + len(rows)

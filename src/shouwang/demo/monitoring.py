"""The demo school's monitoring: an access-control vendor's export format, the shipped rules
(22:30 night absence, 24 h 失联), last night's check-ins from both sources (the gates' batch and
a few 宿舍长's rounds), last night's automatic 夜不归宿 reports filed by the engine at the
cut-off (two resolved by a late gate passage: "已返校 23:12，门禁"; one building held because its
gate export came late, its students looked at again at 23:30), and tonight's check-ins so far.
Everything goes through monitoring's services with a clock relative to `today`; the reports are
filed and routed by the engine's own sweep at that clock."""

import datetime

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.escalation.sweep import deadline_sweep
from shouwang.monitoring import hooks, nights, rules
from shouwang.monitoring import services as monitoring
from shouwang.org.models import Post, Student

ABSENT_EVERY = 97  # about one resident in a hundred is not back by the cut-off
LATE = (datetime.time(23, 12), datetime.time(23, 40))
GATE_WINDOW_SECONDS = 4 * 3600 + 19 * 60  # 18:00 to 22:19


def _gate_batches(actor, residents, at_of, now):
    events = [
        {"student_no": s.student_no, "at": at_of(i), "place": "东门闸机", "direction": "in"}
        for i, s in enumerate(residents)
    ]
    for start in range(0, len(events), monitoring.MAX_BATCH):
        monitoring.traces_ingest(
            actor=actor,
            events=events[start : start + monitoring.MAX_BATCH],
            source="海康威视门禁",
            now=now,
        )


def _rounds(students_by_room, at, rooms=4):
    """A few 宿舍长 mark their rooms (one tap per student)."""
    heads = (
        Post.objects.current()
        .filter(role__code="dorm_head", unit_id__in=list(students_by_room))
        .select_related("person")
        .order_by("unit__code")[:rooms]
    )
    marked = set()
    for post in heads:
        for student in students_by_room[post.unit_id]:
            monitoring.round_mark(actor=post.person, student=student, status="present", now=at)
            marked.add(student.pk)
    return marked


def _slow_building(residents, marked) -> int | None:
    """The building whose export comes late: the last (by pk) with enough residents to be held
    and nobody on a 宿舍长's round (a round would have seen them)."""
    counts: dict[int, int] = {}
    for s in residents:
        counts[s.dorm_room.parent_id] = counts.get(s.dorm_room.parent_id, 0) + 1
    rounds = {s.dorm_room.parent_id for s in residents if s.pk in marked}
    big = [b for b, n in counts.items() if n >= 2 * rules.IMPLAUSIBLE_MIN and b not in rounds]
    return max(big) if big else None


def monitoring_demo(*, today: datetime.date) -> None:
    xsc = User.objects.filter(username="xsc").first()
    residents = list(
        Student.objects.filter(status=Student.Status.ENROLLED, dorm_room__isnull=False)
        .select_related("dorm_room")
        .order_by("student_no")
    )
    if xsc is None or not residents:
        return
    last = today - datetime.timedelta(days=1)
    afternoon = nights.local_at(last, datetime.time(14, 0))
    # Students on approved leave or living off campus (the leave demo ran first) are away:
    # nobody sees them at a gate or in their room, so their leave stays open.
    away = hooks.excused([s.pk for s in residents], afternoon, timezone.now())
    residents = [s for s in residents if s.pk not in away]
    monitoring.vendor_format_save(
        actor=xsc,
        name="海康威视门禁导出",
        columns={
            "student_no": "人员编号",
            "card_no": "卡号",
            "time": "通行时间",
            "gate": "门禁点",
            "direction": "进出方向",
        },
        in_words=["进", "1"],
        out_words=["出", "0"],
        now=afternoon,
    )
    monitoring.rules_install_defaults(actor=xsc, now=afternoon)
    by_room: dict[int, list] = {}
    for s in residents:
        by_room.setdefault(s.dorm_room_id, []).append(s)

    # Last night: the rounds at 21:30, the gates' batch at 22:20 for everyone else back.
    marked = _rounds(by_room, nights.local_at(last, datetime.time(21, 30)))
    absent = {s.pk for i, s in enumerate(residents) if i % ABSENT_EVERY == 5} - marked
    back = [s for s in residents if s.pk not in marked and s.pk not in absent]
    # One building's gate controller sent its export only at 22:50: held at the cut-off (one
    # report on the building, not one per student), its students looked at again at 23:30.
    slow = _slow_building(residents, marked)
    on_time = [s for s in back if s.dorm_room.parent_id != slow]
    delayed = [s for s in back if s.dorm_room.parent_id == slow]

    def gate_time(i):
        # Spread over 18:00–22:19 whatever the school's size (7 s apart ran past the batch's
        # 22:20 clock from the 2,315th resident on: a future time, refused).
        return nights.local_at(last, datetime.time(18, 0)) + datetime.timedelta(
            seconds=(7 * i) % GATE_WINDOW_SECONDS
        )

    _gate_batches(xsc, on_time, gate_time, nights.local_at(last, datetime.time(22, 20)))
    cutoff = nights.cutoff_at(last, datetime.time(22, 30))
    deadline_sweep(now=cutoff)  # the rule's run: one 夜不归宿 report per student not back
    deadline_sweep(now=cutoff + datetime.timedelta(minutes=1))  # the worker routes them
    if delayed:
        _gate_batches(xsc, delayed, gate_time, nights.local_at(last, datetime.time(22, 50)))
    # Two come back late through the gate: their reports are resolved on the record. The
    # rescan runs at its time in between.
    late = [s for s in residents if s.pk in absent and s.dorm_room.parent_id != slow]
    steps = [(nights.local_at(last, t), student) for student, t in zip(late, LATE, strict=False)]
    steps.append((cutoff + rules.RESCAN_AFTER, None))
    for at, student in sorted(steps, key=lambda step: step[0]):
        if student is None:
            deadline_sweep(now=at)
            deadline_sweep(now=at + datetime.timedelta(minutes=1))
            continue
        monitoring.traces_ingest(
            actor=xsc,
            events=[
                {"student_no": student.student_no, "at": at, "place": "东门闸机", "direction": "in"}
            ],
            source="海康威视门禁",
            now=at,
        )

    # Tonight so far (only what has already happened: the demo never writes the future).
    now = timezone.now()
    if nights.night_of(now) != today:
        return
    evening = nights.local_at(today, datetime.time(17, 0))
    if now <= evening:
        return
    tonight_marked = _rounds(by_room, min(now, nights.local_at(today, datetime.time(21, 30))))
    so_far = [s for i, s in enumerate(residents) if i % 3 and s.pk not in tonight_marked]
    span = max(
        1, int((min(now, nights.local_at(today, datetime.time(22, 0))) - evening).total_seconds())
    )
    _gate_batches(
        xsc,
        so_far,
        lambda i: evening + datetime.timedelta(seconds=(7 * i) % span),
        min(now, evening + datetime.timedelta(seconds=span)),
    )

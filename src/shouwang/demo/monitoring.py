"""The demo school's monitoring: an access-control vendor's export format, the shipped rules
(22:30 night absence, 24 h 失联), last night's check-ins from both sources (the gates' batch and
a few 宿舍长's rounds), last night's automatic 夜不归宿 reports filed by the engine at the
cut-off (two resolved by a late gate passage: "已返校 23:12，门禁"), and tonight's check-ins so
far. Everything goes through monitoring's services with a clock relative to `today`; the
reports are filed and routed by the engine's own sweep at that clock."""

import datetime

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.escalation.sweep import deadline_sweep
from shouwang.monitoring import hooks, nights
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
    _gate_batches(
        xsc,
        back,
        # Spread over 18:00–22:19 whatever the school's size (7 s apart ran past the batch's
        # 22:20 clock from the 2,315th resident on: a future time, refused).
        lambda i: (
            nights.local_at(last, datetime.time(18, 0))
            + datetime.timedelta(seconds=(7 * i) % GATE_WINDOW_SECONDS)
        ),
        nights.local_at(last, datetime.time(22, 20)),
    )
    cutoff = nights.cutoff_at(last, datetime.time(22, 30))
    deadline_sweep(now=cutoff)  # the rule's run: one 夜不归宿 report per student not back
    deadline_sweep(now=cutoff + datetime.timedelta(minutes=1))  # the worker routes them
    # Two come back late through the gate: their reports are resolved on the record.
    late = [s for s in residents if s.pk in absent][: len(LATE)]
    for student, t in zip(late, LATE, strict=False):
        at = nights.local_at(last, t)
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

"""The demo school's care ledger (issue 17, 一生一档): files in every tier for students of the
first college's first class (so `counsellor1` sees them and `xlzx`, the psych centre, sees all),
with fictitious risk factors, screening scores, notes and a diagnosis — encrypted like real
ones; tier tasks on the engine (one done, one overdue), a supervision roster with a gap, a
leader's grant, a 休学 request waiting for 学生处 (`xsc`), and this semester's key-student list
sent to 保卫处 (`bwc`), waiting for its acknowledgement. Everything goes through the care
services with a clock relative to `today`."""

import datetime

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.care import services
from shouwang.care.models import Task, Via
from shouwang.org.models import Post, Student, Unit

# (risk factors, screening, note, tier, days ago the tier was set)
FILES = [
    (
        ["single_parent", "financial"],
        {"UPI": 18, "flag": False},
        "普测后约谈，情绪平稳。",
        "none",
        20,
    ),
    (["study_pressure"], {"UPI": 22, "flag": True}, "挂科较多，就业焦虑。", "none", 12),
    (
        ["relationship", "mood_swings"],
        {"UPI": 27, "flag": True},
        "失恋后情绪低落，已约谈。",
        "general",
        6,
    ),
    (
        ["self_harm", "interpersonal"],
        {"SCL90": 2.9, "flag": True},
        "宿舍矛盾，手臂有划痕。",
        "severe",
        2,
    ),
    (
        ["mental_illness", "suicide_attempt"],
        {"SCL90": 3.4, "flag": True},
        "既往自杀未遂史，医院确诊后返校。",
        "disorder",
        1,
    ),
]


def _at(today, days, hour, minute=0):
    return timezone.make_aware(
        datetime.datetime.combine(
            today + datetime.timedelta(days=days), datetime.time(hour, minute)
        )
    )


def _holder(unit, role):
    post = (
        Post.objects.current()
        .filter(unit=unit, role__code=role)
        .select_related("person")
        .order_by("pk")
        .first()
    )
    return post.person if post else None


def _semester(today):
    """The term `today` falls in: autumn (Sep–Jan) or spring (Feb–Jul), as a label and dates."""
    if today.month >= 9 or today.month == 1:
        year = today.year if today.month >= 9 else today.year - 1
        return f"{year}-{year + 1}-1", datetime.date(year, 9, 1), datetime.date(year + 1, 1, 20)
    return (
        f"{today.year - 1}-{today.year}-2",
        datetime.date(today.year, 2, 20),
        datetime.date(today.year, 7, 10),
    )


def care_demo(*, today: datetime.date) -> None:
    psych = User.objects.filter(username="xlzx").first()
    klass = (
        Unit.objects.filter(kind=Unit.Kind.CLASS, code__startswith="C01-").order_by("path").first()
    )
    if psych is None or klass is None:
        return
    students = list(
        Student.objects.filter(klass=klass, status="enrolled").order_by("student_no")[: len(FILES)]
    )
    counsellor = _holder(klass, "counsellor") or psych
    files = []
    for student, (factors, screening, note, tier, days) in zip(students, FILES, strict=False):
        opened = _at(today, -days - 3, 10)
        file = services.care_file_open_or_update(
            actor=psych,
            student=student,
            via=Via.SCREENING,
            risk_factors=factors,
            screening=screening,
            note=note,
            now=opened,
        )
        services.care_owner_set(actor=psych, file=file, owner=counsellor, now=opened)
        if tier != "none":
            services.care_tier_change(
                actor=psych, file=file, tier=tier, reason="心理中心评估", now=_at(today, -days, 9)
            )
        files.append((file, tier, days))
    for file, tier, days in files:
        if tier == "severe":
            parents = Task.objects.get(file=file, code="parents_called", done_at__isnull=True)
            services.care_task_complete(
                actor=counsellor,
                task=parents,
                note="父母当天下午到校面谈",
                now=_at(today, -days, 15),
            )  # the referral and the signed handover stay open; the handover is overdue
        if tier == "disorder":
            services.care_diagnosis_set(
                actor=psych,
                file=file,
                diagnosis="（虚构）抑郁发作，遵医嘱服药",
                now=_at(today, -1, 11),
            )
            start = _at(today, 0, 8)
            for watcher, hours_from, hours_to in (
                ("室友（白天）", 0, 10),
                ("辅导员（晚间）", 12, 22),
            ):
                services.care_watch_add(
                    actor=counsellor,
                    file=file,
                    watcher=watcher,
                    starts_at=start + datetime.timedelta(hours=hours_from),
                    ends_at=start + datetime.timedelta(hours=hours_to),
                    now=_at(today, -1, 12),
                )  # 18:00–20:00 and the night after 06:00 show as gaps
            # 休学 asked of 学生处 (`xsc`), waiting on their status-request page.
            services.care_status_request(
                actor=psych,
                file=file,
                change="suspend",
                reason="（虚构）遵医嘱住院治疗，家长申请休学",
                now=_at(today, -1, 16),
            )
        if tier == "general":
            services.care_key_flag_set(actor=psych, file=file, flagged=True, now=_at(today, -1, 9))
    leader = _holder(Unit.objects.filter(code="C01").first(), "deputy_secretary")
    if files and leader is not None:
        services.care_grant_create(
            actor=psych,
            file=files[-1][0],
            grantee=leader,
            days=7,
            reason="学院研判会",
            now=_at(today, -1, 14),
        )
    receiver = User.objects.filter(username="bwc").first()
    if receiver is not None and files:
        term, starts, ends = _semester(today)
        services.key_list_produce(
            actor=psych,
            term=term,
            starts_on=starts,
            ends_on=ends,
            receiver=receiver,
            now=_at(today, 0, 9),
        )

"""The demo school's screening (普测): two rounds imported through the screening services, as
the psych centre (login xlzx) would. Last term's SCL-90, whose interviews were held — but one,
now overdue; and this term's UPI, imported three days ago, whose flagged students have care
files and open interviews (two already held). Some flagged students are in the first classes,
so counsellor1 and teacher1 find their care files. Scores are fictitious and drawn from a
seeded generator: the same demo every time."""

import csv
import datetime
import io
import random

from django.utils import timezone

from shouwang.accounts.models import User
from shouwang.org.models import Student
from shouwang.screening.instruments import SCL_FACTORS
from shouwang.screening.models import Interview
from shouwang.screening.services import interview_record, round_import, round_request

STUDENTS = 400  # the first classes' students take the screening in the demo


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _csv(header, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _import(actor, *, term, instrument, day, content):
    now = _at(day, 10)
    rnd = round_request(
        actor=actor,
        term=term,
        instrument=instrument,
        held_on=day - datetime.timedelta(days=2),
        data=content,
        filename=f"{term}-{instrument}.csv",
        now=now,
    )
    # The worker would run the queued job within a second; the demo runs it now (the queued
    # job then finds the round imported and does nothing).
    round_import(round_id=rnd.pk, now=now)
    return rnd


def _terms(today: datetime.date) -> tuple[str, str]:
    """This term and the one before, as offices name them (2026秋季学期, 2026春季学期)."""
    if today.month >= 8:
        return f"{today.year}秋季学期", f"{today.year}春季学期"
    if today.month >= 2:
        return f"{today.year}春季学期", f"{today.year - 1}秋季学期"
    return f"{today.year - 1}秋季学期", f"{today.year - 1}春季学期"


def screening_demo(*, today: datetime.date) -> None:
    psych = User.objects.filter(username="xlzx").first()
    students = list(Student.objects.order_by("student_no").values_list("student_no", "name"))
    if psych is None or len(students) < 60:
        return
    students = students[:STUDENTS]
    rng = random.Random(3)
    flagged_upi = {3, 17, 45, 88, 130, 177, 240, 301}
    upi = []
    for i, (no, name) in enumerate(students):
        if i in flagged_upi:
            total = rng.randint(25, 38) if i % 2 else rng.randint(20, 24)
        else:
            total = min(19, int(rng.expovariate(1 / 6)))
        risks = "学业就业压力、经济困难" if i == 17 else ("情绪波动明显" if i == 88 else "")
        upi.append([no, name, total, 1 if i == 177 else 0, risks])
    flagged_scl = {5, 17, 66}
    scl = []
    for i, (no, name) in enumerate(students):
        high = i in flagged_scl
        means = [
            round(rng.uniform(2.0, 2.8) if high and k == 3 else rng.uniform(1.0, 1.6), 2)
            for k in range(len(SCL_FACTORS))
        ]
        scl.append([no, name, *means])

    this_term, last_term = _terms(today)
    spring = _import(
        psych,
        term=last_term,
        instrument="scl90",
        day=today - datetime.timedelta(days=20),
        content=_csv(["学号", "姓名", *(h for _f, h in SCL_FACTORS)], scl),
    )
    held = today - datetime.timedelta(days=12)
    for interview in Interview.objects.filter(round=spring).order_by("pk")[:2]:
        interview_record(
            actor=psych,
            interview=interview,
            held_on=held,
            outcome=Interview.Outcome.FOLLOW_UP,
            note="情绪总体平稳，约定每两周来中心一次。",
            now=_at(held, 16),
        )
    autumn = _import(
        psych,
        term=this_term,
        instrument="upi",
        day=today - datetime.timedelta(days=3),
        content=_csv(["学号", "姓名", "总分", "第25题", "风险因素"], upi),
    )
    held = today - datetime.timedelta(days=1)
    for interview in Interview.objects.filter(round=autumn).order_by("pk")[:2]:
        interview_record(
            actor=psych,
            interview=interview,
            held_on=held,
            outcome=Interview.Outcome.COUNSELLING,
            note="已预约心理咨询。",
            now=_at(held, 15),
        )

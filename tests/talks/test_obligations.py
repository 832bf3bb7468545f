"""Talk / parent-contact / home-visit obligations on the engine, with a controllable clock:
they open for every enrolled student, go overdue at the period's end, the counsellor gets ONE
message listing their overdue students, then the college's deputy secretary; recording a talk
meets the obligation and cancels its deadlines."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import Client
from django.urls import reverse

from shouwang.escalation.models import Deadline
from shouwang.escalation.sweep import deadline_sweep
from shouwang.notify.models import Delivery, Message
from shouwang.talks import hooks
from shouwang.talks.models import Obligation, Semester, Talk
from shouwang.talks.obligations import obligations_open
from shouwang.talks.services import semester_create, talk_record

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 11, 3, 10, 0, tzinfo=SH)
MONTH_END = datetime.datetime(2026, 12, 1, 0, 5, tzinfo=SH)
LATER = MONTH_END + datetime.timedelta(days=3, minutes=1)


def talk(school, who, student, held_on=datetime.date(2026, 11, 10), kind="talk", now=None):
    return talk_record(
        actor=getattr(school, who),
        student=student,
        kind=kind,
        held_on=held_on,
        mode="face",
        summary="谈了学业和作息",
        detail="情绪低落，家庭变故",
        now=now or datetime.datetime(2026, 11, 10, 15, 0, tzinfo=SH),
    )


def messages_to(person, kind):
    return list(
        Message.objects.filter(
            kind=kind, deliveries__recipient=person, deliveries__channel="inapp"
        ).distinct()
    )


@pytest.fixture
def key_students(monkeypatch):
    registry: list = []
    monkeypatch.setattr(hooks, "KEY_STUDENTS", registry)
    return registry


def test_every_enrolled_student_gets_this_months_talk_with_a_deadline(school):
    assert obligations_open(now=NOW) == 3
    rows = Obligation.objects.filter(kind="talk")
    assert {o.student.name for o in rows} == {"张三", "王五", "李四"}
    by_name = {o.student.name: o for o in rows}
    assert by_name["张三"].holder == school.zhang and by_name["李四"].holder == school.zhao
    assert by_name["张三"].college == school.c01
    assert {(o.period_start, o.period_end) for o in rows} == {
        (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
    }
    deadlines = Deadline.objects.filter(kind="talk_overdue", state="open")
    assert deadlines.count() == 3
    assert {d.due_at for d in deadlines} == {datetime.datetime(2026, 12, 1, tzinfo=SH)}
    # Idempotent: a second run (another worker, the next tick) opens nothing more.
    assert obligations_open(now=NOW + datetime.timedelta(minutes=10)) == 0


def test_a_semester_adds_parent_contacts_and_home_visits_for_key_students(school, key_students):
    semester_create(
        actor=school.chen,
        name="2026-2027学年第一学期",
        start=datetime.date(2026, 9, 1),
        end=datetime.date(2027, 1, 17),
        now=NOW,
    )
    key_students.append(lambda ids: {school.zhangsan.pk})
    assert obligations_open(now=NOW) == 3 + 3 + 1
    visits = Obligation.objects.filter(kind="home_visit")
    assert [o.student for o in visits] == [school.zhangsan]
    contact = Obligation.objects.get(kind="parent_contact", student=school.lisi)
    assert contact.due_at == datetime.datetime(2027, 1, 18, tzinfo=SH)


def test_semesters_do_not_overlap_and_only_the_office_keeps_them(school):
    semester_create(
        actor=school.chen,
        name="秋季",
        start=datetime.date(2026, 9, 1),
        end=datetime.date(2027, 1, 17),
        now=NOW,
    )
    with pytest.raises(ValidationError, match="重叠|overlap"):
        semester_create(
            actor=school.chen,
            name="春季",
            start=datetime.date(2027, 1, 10),
            end=datetime.date(2027, 6, 30),
            now=NOW,
        )
    with pytest.raises(PermissionDenied):
        semester_create(
            actor=school.zhang,
            name="春季",
            start=datetime.date(2027, 2, 20),
            end=datetime.date(2027, 6, 30),
            now=NOW,
        )
    assert Semester.objects.count() == 1


def test_recording_a_talk_meets_the_month_and_cancels_its_deadline(school):
    obligations_open(now=NOW)
    record = talk(school, "zhang", school.zhangsan)
    obligation = Obligation.objects.get(student=school.zhangsan, kind="talk")
    assert obligation.state == "met" and obligation.record == record
    assert (
        Deadline.objects.get(subject_type="talks.obligation", subject_id=str(obligation.pk)).state
        == "cancelled"
    )
    # The care-related detail is encrypted at rest.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT detail FROM talks_talk WHERE id = %s", [record.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("sw1:") and "家庭" not in stored
    assert Talk.objects.get(pk=record.pk).detail == "情绪低落，家庭变故"


def test_bad_talks_change_nothing(school):
    obligations_open(now=NOW)
    with pytest.raises(ValidationError, match="晚于今天|future"):
        talk(school, "zhang", school.zhangsan, held_on=datetime.date(2026, 11, 11))
    with pytest.raises(Http404):  # 李四 is zhao's, not zhang's
        talk(school, "zhang", school.lisi)
    with pytest.raises(PermissionDenied):  # a dorm head sees 张三 through the room, records nothing
        talk(school, "liu", school.zhangsan)
    assert not Talk.objects.exists()
    assert not Obligation.objects.filter(state="met").exists()


def test_overdue_reaches_each_counsellor_once_then_the_deputy_secretary(school):
    obligations_open(now=NOW)
    talk(school, "sun", school.zhangsan)  # the class teacher's talk meets it too
    assert deadline_sweep(now=MONTH_END) == 2
    assert set(
        Obligation.objects.filter(state="overdue").values_list("student__name", flat=True)
    ) == {
        "王五",
        "李四",
    }
    (to_zhang,) = messages_to(school.zhang, "talks.overdue")
    assert "王五" in to_zhang.body and "张三" not in to_zhang.body
    (to_zhao,) = messages_to(school.zhao, "talks.overdue")
    assert "李四" in to_zhao.body
    assert not messages_to(school.li, "talks.escalated")
    # 李四's talk was on 28 Nov, written up late: it still meets November (and its escalation).
    talk(
        school,
        "zhao",
        school.lisi,
        held_on=datetime.date(2026, 11, 28),
        now=MONTH_END + datetime.timedelta(days=1),
    )
    assert deadline_sweep(now=LATER) == 1
    (to_li,) = messages_to(school.li, "talks.escalated")
    assert "张老师" in to_li.body and "1" in to_li.title
    assert Obligation.objects.get(student=school.wangwu, kind="talk").escalated
    # Nothing is sent twice.
    assert deadline_sweep(now=LATER + datetime.timedelta(days=5)) == 0
    assert Delivery.objects.filter(message__kind="talks.overdue", channel="inapp").count() == 2


def test_one_message_per_counsellor_even_across_batches(school):
    from shouwang.org.models import Student

    Student.objects.bulk_create(
        [
            Student(
                student_no=f"20240199{i:02d}", name=f"学生{i}", gender="M", klass=school.class_a
            )
            for i in range(30)
        ]
    )
    obligations_open(now=NOW)
    assert deadline_sweep(now=MONTH_END, limit=5) == 33
    (message,) = messages_to(school.zhang, "talks.overdue")
    assert "32" in message.title


def test_the_checklist_page_and_recording_from_it(school, time_machine):
    time_machine.move_to(NOW, tick=True)
    obligations_open(now=NOW)
    client = Client()
    client.force_login(school.zhang)
    page = client.get(reverse("talks_checklist"))
    assert page.status_code == 200
    assert 'data-count="2"' in page.content.decode()
    url = reverse("talks_student", kwargs={"student_no": "2024010101"})
    assert client.get(url).status_code == 200
    held = datetime.date.today().isoformat()
    done = client.post(url, {"kind": "talk", "held_on": held, "mode": "phone", "summary": "电话"})
    assert done.status_code == 302
    assert Talk.objects.filter(student=school.zhangsan, mode="phone").exists()
    future = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    bad = client.post(url, {"kind": "talk", "held_on": future, "mode": "phone", "summary": "x"})
    assert bad.status_code == 400 and Talk.objects.count() == 1
    # Another counsellor's student: 404, nothing written.
    other = reverse("talks_student", kwargs={"student_no": "2024010201"})
    assert client.get(other).status_code == 404
    assert client.post(other, {"kind": "talk", "held_on": held, "mode": "phone"}).status_code == 404
    stats = client.get(reverse("talks_statistics"))
    assert stats.status_code == 200 and 'id="by-holder"' in stats.content.decode()


def test_the_api_records_and_lists_obligations(school, time_machine):
    time_machine.move_to(NOW, tick=True)
    obligations_open(now=NOW)
    client = Client()
    client.force_login(school.zhang)
    listed = client.get("/api/v1/talks/obligations")
    assert listed.status_code == 200
    assert {o["student_no"] for o in listed.json()} == {"2024010101", "2024010102"}
    held = datetime.date.today().isoformat()
    body = {"student_no": "2024010102", "held_on": held, "mode": "wechat", "summary": "微信"}
    made = client.post("/api/v1/talks", body, content_type="application/json")
    assert made.status_code == 200, made.content
    outside = {**body, "student_no": "2024010201"}
    assert client.post("/api/v1/talks", outside, content_type="application/json").status_code == 404
    future = {**body, "held_on": (datetime.date.today() + datetime.timedelta(days=3)).isoformat()}
    assert client.post("/api/v1/talks", future, content_type="application/json").status_code == 422
    assert Talk.objects.count() == 1
    assert client.get("/api/v1/talks/statistics").status_code == 200


def test_a_student_who_leaves_owes_nothing(school):
    obligations_open(now=NOW)
    Student = type(school.lisi)
    Student.objects.filter(pk=school.lisi.pk).update(status="suspended")
    obligations_open(now=NOW + datetime.timedelta(hours=1))
    obligation = Obligation.objects.get(student=school.lisi)
    assert obligation.state == "cancelled"
    assert (
        Deadline.objects.get(subject_type="talks.obligation", subject_id=str(obligation.pk)).state
        == "cancelled"
    )
    assert deadline_sweep(now=MONTH_END) == 2
    assert not messages_to(school.zhao, "talks.overdue")

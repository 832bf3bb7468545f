"""A class's counsellor changes: the handover opens in the post change's transaction (posts page
services and the staff import), the open obligations move, only the new holder acknowledges, an
unacknowledged handover escalates, and the old holder keeps read access for the shared period."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import reverse

from shouwang.accounts.models import User
from shouwang.escalation.models import Deadline
from shouwang.escalation.sweep import deadline_sweep
from shouwang.handovers.models import Handover
from shouwang.handovers.selectors import former_holder_class_ids
from shouwang.handovers.services import handover_acknowledge, handover_note_set, shared_period_set
from shouwang.notify.models import Message
from shouwang.org.importing import import_file
from shouwang.org.models import Post, Role
from shouwang.org.services import post_assign, post_end
from shouwang.talks.models import Obligation
from shouwang.talks.obligations import obligations_open

SH = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 11, 3, 10, 0, tzinfo=SH)


@pytest.fixture
def qian(school):
    return User.objects.create_user(username="qian", full_name="钱老师", staff_no="T0007")


def change_counsellor(school, qian):
    counsellor = Role.objects.get(code="counsellor")
    old = Post.objects.get(person=school.zhang, role=counsellor)
    post_end(actor=school.chen, post=old, until=datetime.date(2026, 11, 10))
    post_assign(
        actor=school.chen,
        person=qian,
        unit=school.class_a,
        role=counsellor,
        since=datetime.date(2026, 11, 11),
    )
    return Handover.objects.get()


def test_a_new_counsellor_gets_the_class_and_its_open_obligations(school, qian):
    obligations_open(now=NOW)
    handover = change_counsellor(school, qian)
    assert (handover.from_person, handover.to_person) == (school.zhang, qian)
    assert list(handover.classes.all()) == [school.class_a]
    assert handover.students == 2 and handover.obligations_moved == 2
    assert set(
        Obligation.objects.filter(klass=school.class_a).values_list("holder", flat=True)
    ) == {qian.pk}
    assert Obligation.objects.get(student=school.lisi).holder == school.zhao
    assert Deadline.objects.get(kind="handover_ack", state="open")
    assert Message.objects.filter(kind="handover.to_acknowledge", deliveries__recipient=qian)


def test_only_the_new_holder_acknowledges(school, qian):
    handover = change_counsellor(school, qian)
    handover_note_set(actor=school.zhang, handover=handover, note="张三需多关注作息")
    with pytest.raises(PermissionDenied):
        handover_acknowledge(actor=school.zhang, handover=handover)
    with pytest.raises(Http404):
        handover_acknowledge(actor=school.zhao, handover=handover)
    assert Handover.objects.get().state == "pending"
    client = Client()
    client.force_login(school.zhao)
    assert client.post(reverse("handover_ack", kwargs={"pk": handover.pk})).status_code == 404
    client.force_login(school.zhang)
    assert client.post(reverse("handover_ack", kwargs={"pk": handover.pk})).status_code == 403
    api = client.post(f"/api/v1/handovers/{handover.pk}/acknowledge")
    assert api.status_code == 403
    assert Handover.objects.get().state == "pending"
    client.force_login(qian)
    inbox = client.get(reverse("inbox")).content.decode()
    assert 'id="handovers-pending"' in inbox
    page = client.get(reverse("handover_detail", kwargs={"pk": handover.pk}))
    assert "张三需多关注作息" in page.content.decode()
    assert client.post(f"/api/v1/handovers/{handover.pk}/acknowledge").status_code == 200
    handover.refresh_from_db()
    assert handover.state == "acknowledged"
    assert Deadline.objects.get(kind="handover_ack").state == "cancelled"
    assert [h["id"] for h in client.get("/api/v1/handovers").json()] == [handover.pk]


def test_an_unacknowledged_handover_escalates_to_the_deputy_secretary(school, qian):
    handover = change_counsellor(school, qian)
    due = Deadline.objects.get(kind="handover_ack").due_at
    assert deadline_sweep(now=due - datetime.timedelta(minutes=1)) == 0
    assert deadline_sweep(now=due + datetime.timedelta(minutes=1)) == 1
    assert Message.objects.filter(
        kind="handover.escalated", subject_id=str(handover.pk), deliveries__recipient=school.li
    ).exists()


def test_the_old_holder_keeps_read_access_for_the_shared_period(school, qian):
    change_counsellor(school, qian)

    def on(day):
        return datetime.datetime(2026, 11, day, 9, 0, tzinfo=SH)

    assert former_holder_class_ids(user=school.zhang, now=on(12)) == {school.class_a.pk}
    assert former_holder_class_ids(user=school.zhang, now=on(17)) == {school.class_a.pk}
    assert former_holder_class_ids(user=school.zhang, now=on(18)) == set()
    assert former_holder_class_ids(user=qian, now=on(12)) == set()
    shared_period_set(actor=school.chen, days=0, now=on(11))
    assert former_holder_class_ids(user=school.zhang, now=on(11)) == set()
    with pytest.raises(Exception, match="14"):
        shared_period_set(actor=school.chen, days=15, now=on(11))
    with pytest.raises(PermissionDenied):
        shared_period_set(actor=school.zhang, days=3, now=on(11))


def test_a_staff_import_that_starts_the_next_holder_opens_the_handover(school):
    counsellor = Role.objects.get(code="counsellor")
    old = Post.objects.get(person=school.zhao, role=counsellor)
    post_end(actor=school.chen, post=old, until=datetime.date(2026, 11, 10))
    csv = "工号,姓名,岗位,单位代码,任职开始日期\nT0100,吴老师,辅导员,C01-2024-2,2026-11-11\n"
    result = import_file(
        actor=school.chen, kind="staff", data=csv.encode("utf-8-sig"), filename="staff.csv"
    )
    assert not result.errors, result.errors
    handover = Handover.objects.get()
    assert handover.from_person == school.zhao and handover.to_person.staff_no == "T0100"
    assert list(handover.classes.all()) == [school.class_b]

"""R-CARE-3 across care and handovers: when a class's counsellor changes, the new counsellor reads
the class's care files at once; the old one keeps read access for the shared period (for
questions), logged as a former holder's read, and then gets 404 like anyone else."""

import datetime
import zoneinfo

from django.test import Client

from shouwang.accounts.models import User
from shouwang.audit.models import Event
from shouwang.care.permissions import FORMER, NEED, access_reason
from shouwang.care.services import care_file_open_or_update
from shouwang.handovers.models import Handover
from shouwang.notify.models import Delivery
from shouwang.org.models import Post, Role
from shouwang.org.services import post_assign, post_end

SH = zoneinfo.ZoneInfo("Asia/Shanghai")


def on(day, hour=9):
    return datetime.datetime(2026, 11, day, hour, 0, tzinfo=SH)


def test_the_old_counsellor_reads_for_the_shared_period_then_not(campus, time_machine):
    school = campus
    file = care_file_open_or_update(
        actor=school.wu, student=school.zhangsan, via="psych", risk_factors=["financial"], now=on(1)
    )
    new = User.objects.create_user(username="sunny", full_name="孙新老师", staff_no="T0201")
    counsellor = Role.objects.get(code="counsellor")
    old_post = Post.objects.get(person=school.zhang, role=counsellor, unit=school.class_a)
    post_end(actor=school.chen, post=old_post, until=datetime.date(2026, 11, 10))
    post_assign(
        actor=school.chen,
        person=new,
        unit=school.class_a,
        role=counsellor,
        since=datetime.date(2026, 11, 11),
    )

    assert access_reason(new, file, now=on(12)) == NEED
    assert access_reason(school.zhang, file, now=on(12)) == FORMER
    assert access_reason(school.zhang, file, now=on(18)) is None  # 7 days after the last day

    client = Client()
    client.force_login(school.zhang)
    time_machine.move_to(on(12), tick=False)
    assert client.get(f"/care/files/{file.pk}/").status_code == 200
    read = Event.objects.filter(verb="care.read", subject_id=str(file.pk)).last()
    assert read.actor_id == school.zhang.pk and read.data["why"] == FORMER
    time_machine.move_to(on(18), tick=False)
    client.force_login(school.zhang)  # a week later: a new session
    assert client.get(f"/care/files/{file.pk}/").status_code == 404
    assert Event.objects.filter(
        verb="care.read_refused", actor_id=school.zhang.pk, subject_id=str(file.pk)
    ).exists()


def test_the_owner_moves_and_the_counts_are_recorded(campus):
    school = campus
    file = care_file_open_or_update(
        actor=school.wu, student=school.zhangsan, via="psych", risk_factors=["financial"], now=on(1)
    )
    file.owner = school.zhang
    file.save(update_fields=["owner"])
    new = User.objects.create_user(username="sunny", full_name="孙新老师", staff_no="T0201")
    counsellor = Role.objects.get(code="counsellor")
    old_post = Post.objects.get(person=school.zhang, role=counsellor, unit=school.class_a)
    post_end(actor=school.chen, post=old_post, until=datetime.date(2026, 11, 10))
    post_assign(
        actor=school.chen,
        person=new,
        unit=school.class_a,
        role=counsellor,
        since=datetime.date(2026, 11, 11),
    )
    file.refresh_from_db()
    assert file.owner == new
    opened = Event.objects.get(verb="handover.opened").data
    assert (opened["care_files"], opened["care_owners_moved"]) == (1, 1)
    moved = Event.objects.get(verb="care.owners_moved")
    assert moved.data["file_ids"] == [file.pk] and "financial" not in str(moved.data)
    # The handover page and the new holder's message say what moved, in numbers.
    handover = Handover.objects.get()
    assert handover.moved == {"care_files": 1, "care_owners_moved": 1, "care_tasks_open": 0}
    client = Client()
    client.force_login(new)
    page = client.get(f"/handovers/{handover.pk}/").content.decode()
    assert "本班级的关爱档案" in page and "由您担任包保人的关爱档案" in page
    message = Delivery.objects.get(
        recipient=new, message__kind="handover.to_acknowledge", channel="inapp"
    ).message
    assert "由您担任包保人的关爱档案：1。" in message.body
    assert "张三" not in message.body and "financial" not in message.body

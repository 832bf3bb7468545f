"""休学 / 复学 from a care file (seed 003 §4(三): a 严重心理危机 may lead to 休学): those who
work on the file ask, 学生处 carries it out on its page without seeing the file, the student's
status changes, and a suspended student drops out of the night scan; 复学 brings them back."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from shouwang.audit.models import Event
from shouwang.care import services
from shouwang.care.models import Entry, Task, Via
from shouwang.escalation.models import Deadline
from shouwang.escalation.sweep import deadline_sweep
from shouwang.monitoring.services import rule_save
from shouwang.notify.models import Delivery
from shouwang.org.models import Student
from shouwang.reports.models import Report

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
T0 = datetime.datetime(2026, 11, 24, 14, 0, tzinfo=SHANGHAI)
H = datetime.timedelta(hours=1)
D = datetime.timedelta(days=1)
REASON = "诊断为重度抑郁，家长同意休学治疗"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


@pytest.fixture
def severe(campus, clock):
    file = services.care_file_open_or_update(
        actor=campus.zhang, student=campus.zhangsan, via=Via.COUNSELLOR, now=T0
    )
    services.care_tier_change(actor=campus.wu, file=file, tier="severe", now=T0)
    return file


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def told(person, kind):
    return Delivery.objects.filter(recipient=person, message__kind=kind, channel="inapp").exists()


def test_suspension_asked_on_the_file_and_carried_out_by_student_affairs(campus, severe):
    zhang = signed_in(campus.zhang)  # the class's counsellor
    page = zhang.get(reverse("care_file", args=[severe.pk])).content.decode()
    assert 'id="status-form"' in page and 'value="suspend"' in page
    asked = zhang.post(
        reverse("care_status_request", args=[severe.pk]), {"change": "suspend", "reason": REASON}
    )
    assert asked.status_code == 302
    task = Task.objects.get(code="status_suspend")
    assert task.role == "status" and task.requested_by == campus.zhang
    assert task.due_at == T0 + 7 * D
    assert Deadline.objects.filter(subject_type="care.task", subject_id=str(task.pk)).count() == 2
    # The file page shows it waiting, with no button to record it done, and no second form.
    page = zhang.get(reverse("care_file", args=[severe.pk])).content.decode()
    assert 'id="status-form"' not in page
    assert f'action="/care/files/{severe.pk}/tasks/{task.pk}/done/"' not in page
    # 学生处 is told, with a link to their page: the class, not the student, and no reason.
    message = Delivery.objects.get(
        recipient=campus.chen, message__kind="care.status_request", channel="inapp"
    )
    assert message.message.url == "/care/status-requests/"
    assert "张三" not in message.message.body and REASON not in message.message.body
    # The reason is in the file's encrypted history, not in any event.
    assert any(REASON in e.text for e in Entry.objects.filter(file=severe, kind="status"))
    assert not any(REASON in str(e.data) for e in Event.objects.all())

    chen = signed_in(campus.chen)  # 学生处 (cannot open the file)
    assert chen.get(reverse("care_file", args=[severe.pk])).status_code == 404
    listing = chen.get(reverse("care_status_requests"))
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "张三" in body and "2024010101" in body
    assert REASON not in body and "严重" not in body  # no reason, no tier
    assert Event.objects.filter(verb="care.list_read", data__via="status_requests").exists()
    # Nobody else has the page.
    assert signed_in(campus.zhang).get(reverse("care_status_requests")).status_code == 404
    assert (
        signed_in(campus.zhang)
        .post(reverse("care_status_decide", args=[task.pk]), {"decision": "approve"})
        .status_code
        == 404
    )
    done = chen.post(reverse("care_status_decide", args=[task.pk]), {"decision": "approve"})
    assert done.status_code == 302
    assert Student.objects.get(pk=campus.zhangsan.pk).status == "suspended"
    task.refresh_from_db()
    assert task.done_at == T0 and task.done_by == campus.chen
    assert not Deadline.objects.filter(
        subject_type="care.task", subject_id=str(task.pk), state="open"
    ).exists()
    changed = Event.objects.get(verb="student.status_changed")
    assert changed.data["to"] == "suspended" and set(changed.data) == {
        "from",
        "to",
        "reason_length",
    }
    assert told(campus.zhang, "care.status_decided")
    # Carried out once: a second answer is refused and changes nothing.
    again = chen.post(reverse("care_status_decide", args=[task.pk]), {"decision": "decline"})
    assert again.status_code == 400
    # The file now says so and offers 复学.
    page = zhang.get(reverse("care_file", args=[severe.pk])).content.decode()
    assert 'id="student-status-tag"' in page and 'value="reinstate"' in page


def test_a_suspended_student_is_not_in_the_night_scan_and_reinstatement_brings_them_back(
    campus, severe, clock
):
    task = services.care_status_request(
        actor=campus.zhang, file=severe, change="suspend", reason=REASON, now=T0
    )
    services.care_status_request_decide(actor=campus.chen, task=task, approve=True, now=T0)
    rule_save(
        actor=campus.chen,
        kind="night_absence",
        name="夜不归宿",
        category="night_absence",
        severity="general",
        cutoff="22:30",
        now=T0,
    )
    cutoff = datetime.datetime(2026, 11, 24, 22, 30, tzinfo=SHANGHAI)
    deadline_sweep(now=cutoff)
    numbers = {s.student_no for r in Report.objects.all() for s in r.students.all()}
    assert numbers and "2024010101" not in numbers  # others were reported; 张三 is at home

    # 复学 outlives the crisis: asked while severe, still waiting after the tier is lowered.
    back = services.care_status_request(
        actor=campus.wu, file=severe, change="reinstate", reason="复诊良好，申请复学", now=T0 + D
    )
    services.care_tier_change(actor=campus.wu, file=severe, tier="general", now=T0 + D)
    back.refresh_from_db()
    assert back.cancelled_at is None
    services.care_status_request_decide(actor=campus.chen, task=back, approve=True, now=T0 + D)
    assert Student.objects.get(pk=campus.zhangsan.pk).status == "enrolled"


def test_what_cannot_be_asked_or_answered(campus, severe):
    # Not in a severe tier: no 休学.
    other = services.care_file_open_or_update(
        actor=campus.zhang, student=campus.wangwu, via=Via.COUNSELLOR, now=T0
    )
    with pytest.raises(ValidationError):
        services.care_status_request(
            actor=campus.zhang, file=other, change="suspend", reason=REASON, now=T0
        )
    # An enrolled student: no 复学; an unknown change; no reason.
    for change, reason in (("reinstate", REASON), ("expel", REASON), ("suspend", " ")):
        with pytest.raises(ValidationError):
            services.care_status_request(
                actor=campus.zhang, file=severe, change=change, reason=reason, now=T0
            )
    # Someone who does not work on the file (学生处, a grant-less leader).
    with pytest.raises(PermissionDenied):
        services.care_status_request(
            actor=campus.chen, file=severe, change="suspend", reason=REASON, now=T0
        )
    task = services.care_status_request(
        actor=campus.zhang, file=severe, change="suspend", reason=REASON, now=T0
    )
    with pytest.raises(ValidationError):  # one at a time
        services.care_status_request(
            actor=campus.wu, file=severe, change="suspend", reason=REASON, now=T0
        )
    # The counsellor cannot record it done on the file; the psych centre cannot carry it out.
    with pytest.raises(ValidationError):
        services.care_task_complete(actor=campus.zhang, task=task, now=T0)
    with pytest.raises(PermissionDenied):
        services.care_status_request_decide(actor=campus.wu, task=task, approve=True, now=T0)
    # Declining needs a reason; over HTTP a bad decision is a 400 that changes nothing.
    with pytest.raises(ValidationError):
        services.care_status_request_decide(actor=campus.chen, task=task, approve=False, now=T0)
    chen = signed_in(campus.chen)
    bad = chen.post(reverse("care_status_decide", args=[task.pk]), {"decision": "maybe"})
    assert bad.status_code == 400
    huge = chen.post(reverse("care_status_decide", args=[2**63]), {"decision": "approve"})
    assert huge.status_code == 404
    declined = chen.post(
        reverse("care_status_decide", args=[task.pk]),
        {"decision": "decline", "note": "请先补交医院诊断证明"},
    )
    assert declined.status_code == 302
    task.refresh_from_db()
    assert task.cancelled_at is not None and task.done_at is None
    assert Student.objects.get(pk=campus.zhangsan.pk).status == "enrolled"
    assert Event.objects.filter(verb="care.status_declined").exists()


def test_lowering_below_severe_withdraws_a_waiting_suspension(campus, severe):
    task = services.care_status_request(
        actor=campus.zhang, file=severe, change="suspend", reason=REASON, now=T0
    )
    services.care_tier_change(actor=campus.wu, file=severe, tier="general", now=T0 + H)
    task.refresh_from_db()
    assert task.cancelled_at == T0 + H


def test_an_overdue_request_reminds_student_affairs_on_their_page(campus, severe):
    task = services.care_status_request(
        actor=campus.zhang, file=severe, change="suspend", reason=REASON, now=T0
    )
    deadline_sweep(now=T0 + 4 * D)
    reminder = Delivery.objects.get(
        recipient=campus.chen, message__kind="care.task_remind", channel="inapp"
    )
    assert reminder.message.url == "/care/status-requests/"
    deadline_sweep(now=T0 + 8 * D)
    task.refresh_from_db()
    assert task.overdue_at == T0 + 8 * D

"""Activation → command group and tasks with owners and due times; reminders and overdue on the
deadline engine (exactly once); level changes add steps; closing is refused while mandatory
tasks are open. The clock is a parameter: no sleeps."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shouwang.audit.models import Event
from shouwang.escalation.models import Deadline
from shouwang.escalation.sweep import deadline_sweep
from shouwang.incidents import services
from shouwang.incidents.models import GroupMember, Incident, Task
from shouwang.notify.models import Delivery

from .conftest import NOW

pytestmark = pytest.mark.django_db


def activate(c, level="II", event_type="", actor=None, unit=None, **kw):
    return services.incident_activate(
        actor=actor or c.chen,
        plan=c.plan,
        level=level,
        unit=unit or c.class_a,
        event_type=event_type,
        now=NOW,
        **kw,
    )


def events(incident, verb):
    return list(
        Event.objects.filter(
            subject_type="incidents.incident", subject_id=str(incident.pk), verb=verb
        )
    )


def test_activation_assembles_the_group_from_posts_and_records_a_vacancy(campus):
    incident = activate(campus)
    seats = {(m.position, m.person.username, m.stands_in_for) for m in incident.group.all()}
    # 保卫处 has no "security_officer" vacancy here, 学生处's leader is 陈处长 (deputy and office).
    assert ("head", "boss", "") in seats
    assert ("deputy", "chen", "") in seats
    assert ("office", "chen", "") in seats
    assert ("member", "bao", "") in seats
    assembled = events(incident, "incident.group_assembled")[0].data
    assert assembled["vacant"] == []


def test_a_vacant_seat_goes_to_the_next_higher_seat_and_is_recorded(campus):
    from shouwang.org.models import Post

    Post.objects.filter(person=campus.bao).delete()  # 保卫处 post vacant
    incident = activate(campus)
    member = GroupMember.objects.get(incident=incident, position="member")
    assert member.person == campus.chen  # the deputy stands in
    assert member.stands_in_for == "security_officer@office:security"
    assert events(incident, "incident.group_assembled")[0].data["vacant"] == [
        "security_officer@office:security"
    ]


def test_tasks_have_owners_and_due_times_for_the_level(campus):
    incident = activate(campus, level="II")
    tasks = {t.step_id: t for t in incident.tasks.all()}
    # Level II: no seal (level I, leak only), no report upward (level I only).
    assert set(tasks) == {"contain", "report_head", "investigate", "tidy_up"}
    assert tasks["contain"].assignee == campus.zhang  # counsellor at the incident's class
    assert tasks["investigate"].assignee == campus.li  # deputy secretary of the college
    assert tasks["report_head"].assignee == campus.chen  # the group's office
    assert tasks["contain"].due_at == NOW + timedelta(minutes=15)
    assert tasks["tidy_up"].mandatory is False
    created = events(incident, "incident.tasks_created")[0].data["tasks"]
    assert {t["step"] for t in created} == set(tasks)
    # Everyone involved is told through the existing channels.
    told = set(
        Delivery.objects.filter(
            message__subject_type="incidents.incident", message__subject_id=str(incident.pk)
        ).values_list("recipient__username", flat=True)
    )
    assert {"boss", "chen", "bao", "zhang", "li"} <= told


def test_level_one_for_the_event_type_adds_its_steps_and_the_duty_to_report_upward(campus):
    incident = activate(campus, level="I", event_type="leak")
    tasks = {t.step_id: t for t in incident.tasks.all()}
    assert {"seal", "report:authority"} <= set(tasks)
    assert tasks["seal"].assignee == campus.bao
    assert tasks["report:authority"].kind == Task.Kind.EXTERNAL_REPORT
    assert tasks["report:authority"].recipient == "上级教育主管部门"


def test_a_vacant_responsible_post_falls_to_the_office_and_is_recorded(campus):
    from shouwang.org.models import Post

    Post.objects.filter(person=campus.zhang).delete()
    incident = activate(campus)
    contain = incident.tasks.get(step_id="contain")
    assert contain.assignee == campus.chen and contain.stands_in_for == "counsellor@class"


def test_overdue_task_escalates_to_the_head_exactly_once(campus):
    incident = activate(campus)
    contain = incident.tasks.get(step_id="contain")
    # A reminder 5 minutes before (a third of 15 minutes), then overdue at 15 minutes.
    assert deadline_sweep(now=NOW + timedelta(minutes=4)) == 0
    deadline_sweep(now=NOW + timedelta(minutes=10))
    reminded = [e for e in events(incident, "task.reminded") if e.data["task"] == contain.pk]
    assert len(reminded) == 1 and reminded[0].at == NOW + timedelta(minutes=10)
    deadline_sweep(now=NOW + timedelta(minutes=15))
    deadline_sweep(now=NOW + timedelta(minutes=16), worker_id="second")
    overdue = [e for e in events(incident, "task.overdue") if e.data["task"] == contain.pk]
    assert len(overdue) == 1
    assert overdue[0].data["escalated_to"] == [campus.boss.pk]
    contain.refresh_from_db()
    assert contain.overdue_at == NOW + timedelta(minutes=15)
    heads_told = Delivery.objects.filter(
        recipient=campus.boss,
        message__kind="incident.task_overdue",
        message__title__contains="控制现场",
    )
    assert heads_told.filter(channel="inapp").count() == 1


def test_a_task_done_in_time_stops_its_reminder_and_overdue(campus):
    incident = activate(campus)
    contain = incident.tasks.get(step_id="contain")
    services.task_complete(
        actor=campus.zhang, task=contain, note="已控制", now=NOW + timedelta(minutes=3)
    )
    assert not Deadline.objects.filter(
        subject_type="incidents.task", subject_id=str(contain.pk), state="open"
    ).exists()
    deadline_sweep(now=NOW + timedelta(hours=3))
    assert not [e for e in events(incident, "task.overdue") if e.data["task"] == contain.pk]
    assert events(incident, "task.done")[0].data["late"] is False


def test_raising_the_level_adds_the_new_levels_steps_once(campus):
    incident = activate(campus, level="III", event_type="leak")
    assert "investigate" not in set(incident.tasks.values_list("step_id", flat=True))
    later = NOW + timedelta(minutes=20)
    added = services.incident_level_change(
        actor=campus.boss, incident=incident, level="I", reason="试卷已外传", now=later
    )
    assert {t.step_id for t in added} == {"investigate", "seal", "report:authority"}
    assert incident.tasks.get(step_id="seal").due_at == later + timedelta(minutes=30)
    change = events(incident, "incident.level_changed")[0].data
    assert change["from"] == "III" and change["to"] == "I" and change["raised"] is True
    # Lowering adds nothing new; raising again adds nothing twice.
    assert (
        services.incident_level_change(
            actor=campus.boss, incident=incident, level="II", reason="已控制", now=later
        )
        == []
    )
    assert (
        services.incident_level_change(
            actor=campus.boss, incident=incident, level="I", reason="再次升级", now=later
        )
        == []
    )
    assert incident.tasks.filter(step_id="seal").count() == 1


def test_level_change_errors_change_nothing(campus):
    incident = activate(campus)
    with pytest.raises(ValidationError):
        services.incident_level_change(
            actor=campus.boss, incident=incident, level="IX", reason="x", now=NOW
        )
    with pytest.raises(ValidationError):
        services.incident_level_change(
            actor=campus.boss, incident=incident, level="I", reason=" ", now=NOW
        )
    with pytest.raises(PermissionDenied):
        services.incident_level_change(
            actor=campus.zhang, incident=incident, level="I", reason="x", now=NOW
        )
    incident.refresh_from_db()
    assert incident.level == "II" and not events(incident, "incident.level_changed")


def test_activation_errors_change_nothing(campus):
    before = (Incident.objects.count(), Task.objects.count(), Event.objects.count())
    with pytest.raises(ValidationError) as bad_level:
        activate(campus, level="V")
    assert "level" in bad_level.value.message_dict
    with pytest.raises(ValidationError):
        activate(campus, event_type="flood")
    with pytest.raises(PermissionDenied):
        activate(campus, actor=campus.liu)  # a dorm head may not open an incident
    with pytest.raises(PermissionDenied):
        activate(campus, actor=campus.nobody)
    assert (Incident.objects.count(), Task.objects.count(), Event.objects.count()) == before


def test_activation_from_a_report_needs_it_verified_true(campus):
    from shouwang.reports.services import report_file, report_verify

    report = report_file(
        actor=campus.zhang,
        category="fight",
        severity="major",
        unit=campus.class_a.code,
        occurred_at=NOW - timedelta(minutes=5),
        place="食堂",
        description="斗殴",
        now=NOW,
    )
    with pytest.raises(ValidationError) as unverified:
        activate(campus, report=report)
    assert "report" in unverified.value.message_dict
    report_verify(actor=campus.chen, report=report, verdict="true", note="核实", now=NOW)
    report.refresh_from_db()
    incident = activate(campus, report=report)
    assert incident.report == report
    report.refresh_from_db()
    assert report.decision == "plan"
    assert (
        Event.objects.filter(
            subject_type="reports.report", subject_id=str(report.pk), verb="report.plan_activated"
        ).count()
        == 1
    )


def test_closing_is_refused_while_mandatory_tasks_are_open_listing_them(campus):
    incident = activate(campus)
    with pytest.raises(ValidationError) as refused:
        services.incident_close(actor=campus.boss, incident=incident, summary="结束", now=NOW)
    assert "控制现场" in str(refused.value) and "调查" in str(refused.value)
    assert "整理记录" not in str(refused.value)  # optional
    for task in incident.tasks.filter(mandatory=True):
        services.task_complete(actor=campus.boss, task=task, now=NOW)
    services.incident_close(actor=campus.boss, incident=incident, summary="处置完毕", now=NOW)
    incident.refresh_from_db()
    assert incident.status == "closed"
    # The optional task's deadlines stop with the incident.
    assert not Deadline.objects.filter(subject_type="incidents.task", state="open").exists()


def test_an_incident_keeps_the_plan_version_it_was_activated_with(campus):
    from shouwang.plans.services import plan_version_save

    from .conftest import TEST_PLAN

    incident = activate(campus)
    plan_version_save(
        actor=campus.chen,
        plan=campus.plan,
        yaml_text=TEST_PLAN.replace("控制现场", "控制现场并清点人数"),
        now=NOW,
    )
    assert campus.plan.current.number == 2
    incident.refresh_from_db()
    assert incident.plan_version.number == 1
    assert incident.tasks.get(step_id="contain").title == "控制现场"
    later = activate(campus)
    assert later.tasks.get(step_id="contain").title == "控制现场并清点人数"

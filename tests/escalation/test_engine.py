"""The escalation engine with a controllable clock: every `now` is passed in, nothing sleeps."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from shouwang.audit.models import Event
from shouwang.escalation.models import Deadline, DutyShift, Holiday
from shouwang.escalation.sweep import deadline_sweep
from shouwang.notify.models import Delivery
from shouwang.reports.models import Recipient, Report
from shouwang.reports.services import report_acknowledge

from .conftest import at

M = datetime.timedelta(minutes=1)


def verbs(report):
    return [
        e.verb
        for e in Event.objects.filter(
            subject_type="reports.report", subject_id=str(report.pk)
        ).order_by("seq")
    ]


def ack_people(report, step):
    return sorted(
        r.person.username for r in Recipient.objects.filter(report=report, step=step, purpose="ack")
    )


def test_filing_asks_the_first_level_and_stores_the_deadline(school, file_night_absence):
    now = at(14)
    report = file_night_absence(now)
    assert report.policy_name == "夜不归宿（一般）"
    assert report.current_step == 0 and ack_people(report, 0) == ["liu"]
    deadline = Deadline.objects.get(subject_id=str(report.pk), state="open")
    assert deadline.due_at == now + 30 * M and deadline.fence == 0
    assert verbs(report) == ["report.filed", "route.planned", "route.step_started"]
    # Outbox: one in-app delivery (already in the inbox) and pending email for the dorm head.
    assert Delivery.objects.filter(recipient=school.liu, channel="inapp", state="sent").count() == 1


def test_unacknowledged_report_climbs_the_chain_and_records_each_miss(school, file_night_absence):
    now = at(14)
    report = file_night_absence(now)
    assert deadline_sweep(now=now + 29 * M) == 0  # not yet due
    assert deadline_sweep(now=now + 30 * M) == 1
    report.refresh_from_db()
    assert report.current_step == 1 and ack_people(report, 1) == ["zhang"]
    missed = Recipient.objects.get(report=report, step=0)
    assert missed.person == school.liu and missed.missed_at == now + 30 * M
    # step 2 (duty officer or deputy secretary at the college) → li; step 3 学生处 leader → chen
    deadline_sweep(now=now + 60 * M)
    report.refresh_from_db()
    assert ack_people(report, 2) == ["li"]
    deadline_sweep(now=now + 90 * M)
    report.refresh_from_db()
    assert ack_people(report, 3) == ["chen"]
    deadline_sweep(now=now + 150 * M)
    report.refresh_from_db()
    assert report.ack_state == "exhausted"
    assert verbs(report)[-2:] == ["deadline.missed", "route.exhausted"]
    assert verbs(report).count("report.escalated") == 3


def test_sweeping_twice_escalates_once(school, file_night_absence):
    now = at(14)
    report = file_night_absence(now)
    assert deadline_sweep(now=now + 31 * M) == 1
    assert deadline_sweep(now=now + 31 * M) == 0
    assert verbs(report).count("report.escalated") == 1


def test_acknowledgement_stops_the_chain_and_pending_deliveries(school, file_night_absence):
    now = at(14)
    report = file_night_absence(now)
    report_acknowledge(
        actor=school.liu, report=report, channel="web", note="已联系上，在网吧", now=now + 5 * M
    )
    report.refresh_from_db()
    assert report.ack_state == "acknowledged" and report.acknowledged_by == school.liu
    assert Deadline.objects.get(subject_id=str(report.pk)).state == "cancelled"
    assert not Delivery.objects.filter(message__subject_id=str(report.pk), state="pending").exists()
    assert deadline_sweep(now=now + 60 * M) == 0
    receipt = Recipient.objects.get(report=report, person=school.liu)
    assert (receipt.ack_channel, receipt.ack_note) == ("web", "已联系上，在网吧")
    event = Event.objects.filter(verb="report.acknowledged").get()
    assert event.actor == school.liu and event.data["channel"] == "web"


def test_only_recipients_may_acknowledge(school, file_night_absence):
    report = file_night_absence(at(14))
    with pytest.raises(PermissionDenied):
        report_acknowledge(actor=school.zhao, report=report, channel="web", now=at(14, 1))


def test_acknowledgement_after_the_escalation_is_recorded_as_late(school, file_night_absence):
    now = at(14)
    report = file_night_absence(now)
    deadline_sweep(now=now + 30 * M)
    report_acknowledge(actor=school.liu, report=report, channel="web", now=now + 31 * M)
    report.refresh_from_db()
    assert report.ack_state == "acknowledged"
    event = Event.objects.filter(verb="report.acknowledged").get()
    assert event.data["late"] is True and event.data["current_step"] == 1
    # The counsellor's deadline is cancelled too: nothing more escalates.
    assert deadline_sweep(now=now + 120 * M) == 0


def test_escalation_that_finds_the_report_acknowledged_records_it(school, file_night_absence):
    """The ack won the race: the worker had listed the deadline but the ack committed first."""
    now = at(14)
    report = file_night_absence(now)
    deadline = Deadline.objects.get(subject_id=str(report.pk))
    report_acknowledge(actor=school.liu, report=report, channel="api", now=now + 30 * M)
    # Simulate the worker's stale view: the row was open when it listed it.
    Deadline.objects.filter(pk=deadline.pk).update(state="open")
    assert deadline_sweep(now=now + 30 * M) == 1
    assert verbs(report)[-1] == "route.escalation_skipped"
    report.refresh_from_db()
    assert report.current_step == 0


def test_vacant_level_is_skipped_and_recorded(school, file_night_absence):
    school.zhang.posts.update(until=datetime.date(2025, 1, 1))  # class A has no counsellor now
    now = at(14)
    report = file_night_absence(now)
    deadline_sweep(now=now + 30 * M)
    report.refresh_from_db()
    assert report.current_step == 2 and ack_people(report, 2) == ["li"]
    vacant = Event.objects.get(verb="route.vacant")
    assert vacant.data["step"] == 1 and vacant.data["roles"] == ["counsellor"]


def test_skip_level_starts_higher_and_informs_skipped_levels(school, file_night_absence):
    now = at(14)
    report = file_night_absence(now, severity="major")
    assert report.policy_name == "默认（重大）"
    assert report.current_step == 3 and ack_people(report, 3) == ["li"]
    informed = Recipient.objects.filter(report=report, purpose="info")
    assert sorted(r.person.username for r in informed) == ["liu", "sun", "zhang"]
    assert Delivery.objects.filter(
        recipient=school.zhang, channel="inapp", message__kind="report.info"
    ).exists()


def test_security_category_also_goes_to_security_office(school):
    from shouwang.org.models import Post, Role, Unit
    from shouwang.reports.services import report_file

    bwc = Unit.objects.create(
        code="BWC", name="保卫处", kind="office", parent=school.sch, function="security"
    )
    Post.objects.create(
        person=school.nobody,
        unit=bwc,
        role=Role.objects.get(code="security_officer"),
        since=datetime.date(2024, 1, 1),
    )
    report = report_file(
        actor=school.zhang,
        category="fight",
        severity="general",
        unit="C01-2024-1",
        occurred_at=at(13),
        place="食堂",
        description="两名学生发生肢体冲突",
        now=at(14),
    )
    info = Recipient.objects.get(report=report, purpose="info", person=school.nobody)
    assert info.step == -1
    assert Event.objects.filter(verb="route.informed", data__reason="security").exists()


def info_people(report, step):
    return sorted(
        r.person.username
        for r in Recipient.objects.filter(report=report, step=step, purpose="info")
    )


def test_the_night_absence_route_follows_the_policy_as_written(school, file_night_absence):
    """The shipped default names the duty teacher: 22:30 dorm check → 23:00 counsellor → 23:30
    duty teacher and college secretary → 24:00 学生处. No duty step is put in front of it; the
    person on the roster joins the step that names the duty officer, and nobody is asked twice."""
    DutyShift.objects.create(unit=school.d01, date=datetime.date(2026, 11, 24), person=school.sun)
    now = at(22, 30)
    report = file_night_absence(now)
    assert [step["roles"] for step in report.route] == [
        ["dorm_head"],
        ["counsellor"],
        ["duty_officer", "deputy_secretary"],
        ["leader"],
    ]
    assert ack_people(report, 0) == ["liu"] and info_people(report, -2) == []
    deadline_sweep(now=at(23, 0))
    assert ack_people(report, 1) == ["zhang"]
    deadline_sweep(now=at(23, 30))
    assert ack_people(report, 2) == ["li", "sun"]
    deadline_sweep(now=at(0, 0, day=25))
    assert ack_people(report, 3) == ["chen"]
    asked = [r.person_id for r in Recipient.objects.filter(report=report, purpose="ack")]
    assert len(asked) == len(set(asked))


def test_a_policy_without_a_duty_step_informs_the_person_on_duty_at_once(
    school, file_night_absence
):
    # 较大 falls back to the default policy, which names no duty officer: the counsellor (its
    # start step) is asked at once, and the person on duty is told at the same moment.
    DutyShift.objects.create(unit=school.d01, date=datetime.date(2026, 11, 24), person=school.sun)
    report = file_night_absence(at(23, 10), severity="larger")
    assert all("duty_officer" not in step["roles"] for step in report.route)
    assert ack_people(report, report.current_step) == ["zhang"]
    assert info_people(report, -2) == ["sun"]
    assert Event.objects.filter(verb="route.informed", data__reason="night_duty").count() == 1


def test_after_midnight_the_previous_evenings_shift_is_on_duty(school, file_night_absence):
    DutyShift.objects.create(unit=school.d01, date=datetime.date(2026, 11, 24), person=school.sun)
    report = file_night_absence(at(1, 30, day=25), severity="larger")
    assert info_people(report, -2) == ["sun"]


def test_holiday_duty_runs_all_day(school, file_night_absence):
    Holiday.objects.create(date=datetime.date(2026, 11, 24), name="校庆日")
    DutyShift.objects.create(unit=school.sch, date=datetime.date(2026, 11, 24), person=school.chen)
    report = file_night_absence(at(14), severity="larger")
    assert info_people(report, -2) == ["chen"]


def test_in_the_daytime_nobody_on_duty_is_told(school, file_night_absence):
    DutyShift.objects.create(unit=school.d01, date=datetime.date(2026, 11, 24), person=school.sun)
    report = file_night_absence(at(14), severity="larger")
    assert info_people(report, -2) == []


def test_no_duty_roster_at_night_is_recorded_as_a_vacancy(school, file_night_absence):
    report = file_night_absence(at(23, 10), severity="larger")
    assert ack_people(report, report.current_step) == ["zhang"]
    vacant = Event.objects.get(verb="route.vacant", subject_id=str(report.pk))
    assert vacant.data["roles"] == ["duty_officer"] and vacant.data["purpose"] == "info"


def test_policy_edit_after_filing_does_not_change_the_route(school, file_night_absence):
    from shouwang.escalation.models import EscalationPolicy

    now = at(14)
    report = file_night_absence(now)
    policy = EscalationPolicy.objects.get(name="夜不归宿（一般）")
    policy.steps = [{"roles": ["school_leader"], "at": "school", "ack_minutes": 1}]
    policy.save()
    deadline_sweep(now=now + 30 * M)
    report.refresh_from_db()
    assert ack_people(report, 1) == ["zhang"]
    assert Report.objects.get(pk=report.pk).route[1]["roles"] == ["counsellor"]


def test_auditor_restores_a_lost_deadline_once(school, file_night_absence):
    from shouwang.escalation.auditor import route_audit

    now = at(14)
    report = file_night_absence(now)
    assert route_audit(now=now) == 0
    # Lose the deadline behind the engine's back (what a lost Celery task would look like).
    Deadline.objects.filter(subject_id=str(report.pk)).delete()
    assert route_audit(now=now + 40 * M) == 1
    assert route_audit(now=now + 40 * M) == 0
    assert verbs(report)[-1] == "auditor.deadline_restored"
    assert deadline_sweep(now=now + 40 * M) == 1
    report.refresh_from_db()
    assert report.current_step == 1


def test_the_reporters_own_level_is_skipped(school, file_night_absence):
    report = file_night_absence(at(14), actor=school.liu)
    assert report.current_step == 1 and ack_people(report, 1) == ["zhang"]
    assert Event.objects.get(verb="route.reporter_level").data["step"] == 0


def test_one_batch_handles_escalations_vacancies_exhaustion_and_superseded_together(
    school, file_night_absence
):
    """Report deadlines are swept hundreds per transaction: in one sweep of a small batch, an
    ordinary escalation, one whose next level is vacant, one at the end of its chain and one
    already acknowledged each get their own outcome and events, and the counts are exact."""
    now = at(14)
    plain, vacant_next, last_step, acked = (file_night_absence(now) for _ in range(4))
    # vacant_next and last_step are moved along their chains by hand, as earlier sweeps would have.
    Deadline.objects.filter(subject_id=str(last_step.pk)).update(fence=3)
    Report.objects.filter(pk=last_step.pk).update(current_step=3)
    Recipient.objects.filter(report=last_step).update(step=3)
    report_acknowledge(actor=school.liu, report=acked, channel="api", now=now + 10 * M)
    Deadline.objects.filter(subject_id=str(acked.pk)).update(state="open")  # a stale listing
    school.zhang.posts.update(until=datetime.date(2025, 1, 1))  # class A's counsellor gone
    assert deadline_sweep(now=now + 30 * M, limit=3) == 4  # two batches: 3, then 1
    for report in (plain, vacant_next, last_step, acked):
        report.refresh_from_db()
    assert plain.current_step == 2 and vacant_next.current_step == 2  # counsellor vacant → college
    assert "route.vacant" in verbs(plain) and "route.vacant" in verbs(vacant_next)
    assert last_step.ack_state == "exhausted" and verbs(last_step)[-1] == "route.exhausted"
    assert verbs(acked)[-1] == "route.escalation_skipped" and acked.current_step == 0
    outcomes = dict(Deadline.objects.filter(fence__in=[0, 3]).values_list("subject_id", "outcome"))
    assert outcomes == {
        str(plain.pk): "escalated",
        str(vacant_next.pk): "escalated",
        str(last_step.pk): "exhausted",
        str(acked.pk): "superseded",
    }
    # Each miss recorded against the dorm head who did not acknowledge; none for the acked report.
    assert (
        Recipient.objects.filter(
            report__in=[plain, vacant_next], step=0, missed_at=now + 30 * M
        ).count()
        == 2
    )
    assert not Recipient.objects.filter(report=acked, missed_at__isnull=False).exists()
    assert Deadline.objects.filter(state="open", fence=2).count() == 2
    assert not Deadline.objects.filter(state="claimed").exists()


def _written_for(report, since):
    """What a sweep wrote for a report, without ids or absolute times: comparable across reports."""
    from shouwang.notify.models import Message

    events = [
        (e.verb, {k: v for k, v in e.data.items() if k not in ("due_at", "recipients")})
        for e in Event.objects.filter(
            subject_type="reports.report", subject_id=str(report.pk), at=since
        )
    ]
    recipients = sorted(
        (r.person.username, r.step, r.purpose, r.role, r.missed_at == since, r.due_at - since)
        for r in Recipient.objects.filter(report=report).filter(added_at=since)
        | Recipient.objects.filter(report=report, missed_at=since)
    )
    deadlines = sorted(
        (d.fence, d.state, d.outcome, d.due_at - since)
        for d in Deadline.objects.filter(subject_id=str(report.pk))
    )
    deliveries = sorted(
        (
            d.recipient.username,
            d.channel,
            d.state,
            d.next_attempt_at - since,
            len(d.idempotency_key),
        )
        for d in Delivery.objects.filter(
            message__in=Message.objects.filter(subject_id=str(report.pk), created_at=since)
        )
    )
    return events, recipients, deadlines, deliveries


def test_a_large_batch_writes_exactly_what_one_report_batches_write(school, file_night_absence):
    """On PostgreSQL a large batch stores its rows with COPY instead of INSERT: the same reports
    swept one per batch and 55 per batch leave the same rows and an intact chain. (Without
    monitoring's grouping, which applies only to the reports a rule raised.)"""
    from shouwang.audit.selectors import chain_verify

    singles = [file_night_absence(at(14)) for _ in range(3)]
    many = [file_night_absence(at(14, 1)) for _ in range(55)]
    first, second = at(14, 30), at(14, 31)
    assert (
        deadline_sweep(now=first, limit=1) == 3
    )  # only the first three are due: three batches of one
    assert (
        deadline_sweep(now=second, limit=100) == 55
    )  # one batch: more than COPY_MIN_ROWS of each kind
    expected = _written_for(singles[0], first)
    assert expected[0] and expected[1] and expected[3]
    assert all(_written_for(r, first) == expected for r in singles)
    assert all(_written_for(r, second) == expected for r in many)
    assert (
        len(set(Delivery.objects.values_list("idempotency_key", flat=True)))
        == Delivery.objects.count()
    )
    assert chain_verify() is None


def test_filing_reads_and_writes_in_few_queries(
    school, file_night_absence, django_assert_max_num_queries
):
    """Filing reads category, unit, students, policy (with the holiday calendar), whether the
    reporter is a covert observer, the units and then the posts around the report and the
    recipients' channel rules; it writes report, students, recipients, deadline, message,
    deliveries and events, and moves the chain head. The report comes back with its students and
    attachments: showing it costs nothing more."""
    with django_assert_max_num_queries(
        19
    ):  # 17 statements, and the test's savepoint and its release
        report = file_night_absence(at(14))
    with django_assert_max_num_queries(0):
        assert [s.student_no for s in report.students.all()] == ["2024010101"]
        assert list(report.attachments.all()) == []


def test_an_idle_tick_asks_the_database_once(school, file_night_absence):
    # Waiting deadlines that are not due yet: the sweep asks once whether anything is due and
    # stops there; when one falls due it does its work.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    report = file_night_absence(at(14))
    with CaptureQueriesContext(connection) as queries:
        assert deadline_sweep(now=at(14, 5)) == 0
    assert len(queries) == 1
    assert deadline_sweep(now=at(14) + 40 * M) == 1
    report.refresh_from_db()
    assert report.current_step == 1

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shouwang.escalation.models import Deadline
from shouwang.escalation.sweep import deadline_sweep
from shouwang.notify.models import Delivery
from shouwang.org.models import Post
from shouwang.studies import academic, services
from shouwang.studies.models import AcademicWarning, Grade, WarningRule
from shouwang.talks.models import Kind, Obligation, Semester, Talk
from shouwang.talks.obligations import obligations_open
from tests._events import capture_events

from .conftest import NOW


def fail(student, credits, term="2025-2026-1", course=None, passed=False):
    Grade.objects.create(
        student=student,
        term=term,
        course=course or f"课程{Grade.objects.count()}",
        credits=Decimal(credits),
        passed=passed,
    )


@pytest.mark.parametrize(
    "failed,level",
    [
        ("10", None),
        ("10.5", "yellow"),
        ("11.5", "yellow"),
        ("12", "orange"),
        ("20", "orange"),
        ("20.5", "red"),
        ("21", "red"),
    ],
)
def test_levels_at_the_published_boundaries(failed, level):
    assert academic.level_for(Decimal(failed), WarningRule(**WarningRule.DEFAULTS)) == level


def test_a_course_passed_later_no_longer_counts(school):
    fail(school.zhangsan, 6, course="高等数学")
    fail(school.zhangsan, 6, course="大学物理")
    fail(school.zhangsan, 6, term="2025-2026-2", course="高等数学", passed=True)
    assert academic.failed_credits([school.zhangsan.pk]) == {
        school.zhangsan.pk: (Decimal(6), "2025-2026-2")
    }


def raise_for(school, credits_by_student):
    for student, credits in credits_by_student.items():
        fail(student, credits)
    return academic.warnings_evaluate(student_ids=[s.pk for s in credits_by_student], now=NOW)


def test_a_warning_tells_the_counsellor_and_asks_for_a_parent_contact(school):
    with capture_events() as events:
        (warning,) = raise_for(school, {school.zhangsan: 12, school.wangwu: 10})
    assert (warning.student, warning.level, warning.contact) == (
        school.zhangsan,
        "orange",
        "waiting",
    )
    assert warning.contact_due_at == NOW + datetime.timedelta(days=7)
    assert events.one("studies.warning_raised").data["level"] == "orange"
    assert Delivery.objects.filter(recipient=school.zhang, message__kind="studies.warning").exists()
    due = dict(
        Deadline.objects.filter(subject_id=str(warning.pk), state="open").values_list(
            "kind", "due_at"
        )
    )
    assert due == {
        academic.CONTACT_REMIND: NOW + datetime.timedelta(days=5),
        academic.CONTACT_OVERDUE: NOW + datetime.timedelta(days=7),
    }


def test_a_second_evaluation_raises_nothing_new_and_a_higher_level_upgrades(school):
    raise_for(school, {school.zhangsan: 11})
    assert academic.warnings_evaluate(student_ids=[school.zhangsan.pk], now=NOW) == []
    fail(school.zhangsan, 10)
    with capture_events() as events:
        (warning,) = academic.warnings_evaluate(student_ids=[school.zhangsan.pk], now=NOW)
    assert (warning.level, warning.failed_credits) == ("red", Decimal(21))
    assert events.one("studies.warning_raised_level").data["from"] == "yellow"
    assert AcademicWarning.objects.count() == 1
    # One contact task, not two.
    assert Deadline.objects.filter(kind=academic.CONTACT_OVERDUE).count() == 1


def test_the_contact_task_reminds_then_escalates_to_the_deputy_secretary(school):
    (warning,) = raise_for(school, {school.zhangsan: 21})
    deadline_sweep(now=NOW + datetime.timedelta(days=5))
    assert Delivery.objects.filter(
        recipient=school.zhang, message__kind="studies.contact_remind"
    ).exists()
    assert not Delivery.objects.filter(recipient=school.li).exists()
    with capture_events() as events:
        deadline_sweep(now=NOW + datetime.timedelta(days=7))
    warning.refresh_from_db()
    assert warning.contact == "overdue"
    assert warning.escalated_at == NOW + datetime.timedelta(days=7)
    assert events.one("studies.contact_overdue").data["escalated_to"] == [school.li.pk]
    assert Delivery.objects.filter(
        recipient=school.li, message__kind="studies.contact_overdue"
    ).exists()
    # Recorded late: the record says so.
    with capture_events() as events:
        services.parent_contact_record(
            actor=school.zhang,
            warning=warning,
            date=datetime.date(2026, 12, 1),
            mode="phone",
            summary="与张父通话，告知学业情况",
            now=NOW + datetime.timedelta(days=8),
        )
    assert events.one("studies.parent_contacted").data["late"] is True
    warning.refresh_from_db()
    assert warning.contact == "done"


def test_recording_in_time_cancels_the_reminder_and_the_escalation(school):
    (warning,) = raise_for(school, {school.zhangsan: 12})
    services.parent_contact_record(
        actor=school.zhang,
        warning=warning,
        date=NOW.date(),
        mode="visit",
        summary="家长来校面谈",
        now=NOW,
    )
    assert set(
        Deadline.objects.filter(subject_id=str(warning.pk)).values_list("state", "outcome")
    ) == {("cancelled", "contacted")}
    deadline_sweep(now=NOW + datetime.timedelta(days=8))
    warning.refresh_from_db()
    assert warning.contact == "done"
    assert not Delivery.objects.filter(recipient=school.li).exists()


@pytest.mark.parametrize(
    "data,field",
    [
        ({"date": datetime.date(2026, 11, 30)}, "date"),  # in the future
        ({"mode": "pigeon"}, "mode"),
        ({"summary": "  "}, "summary"),
        ({"date": "2026-11-20"}, "date"),
    ],
)
def test_a_bad_contact_record_is_refused_and_nothing_written(school, data, field):
    (warning,) = raise_for(school, {school.zhangsan: 12})
    values = {"date": NOW.date(), "mode": "phone", "summary": "通话", **data}
    with pytest.raises(ValidationError) as exc:
        services.parent_contact_record(actor=school.zhang, warning=warning, now=NOW, **values)
    assert field in exc.value.error_dict
    assert not warning.contacts.exists()


def test_only_the_students_counsellor_and_above_record_the_contact(school):
    (warning,) = raise_for(school, {school.zhangsan: 12})
    for outsider in (school.zhao, school.sun, school.liu):  # other class; class teacher; cadre
        with pytest.raises(PermissionDenied):
            services.parent_contact_record(
                actor=outsider, warning=warning, date=NOW.date(), mode="phone", summary="x"
            )
    services.parent_contact_record(
        actor=school.li, warning=warning, date=NOW.date(), mode="phone", summary="副书记联系"
    )


@pytest.mark.parametrize(
    "values,field",
    [
        ({"yellow_over": "12", "orange_from": "12"}, "orange_from"),
        ({"orange_from": "21"}, "red_over"),
        ({"red_over": "-1"}, "red_over"),
        ({"yellow_over": "abc"}, "yellow_over"),
        ({"contact_days": 0}, "contact_days"),
        ({"remind_days": 7}, "remind_days"),
    ],
)
def test_thresholds_out_of_order_are_refused(school, values, field):
    data = {
        "yellow_over": "10",
        "orange_from": "12",
        "red_over": "20",
        "contact_days": 7,
        "remind_days": 2,
        **values,
    }
    with pytest.raises(ValidationError) as exc:
        services.warning_rule_update(actor=school.chen, now=NOW, **data)
    assert field in exc.value.error_dict
    assert not WarningRule.objects.exists()


def test_edited_thresholds_apply_to_the_next_evaluation(school):
    services.warning_rule_update(
        actor=school.chen,
        yellow_over="4",
        orange_from="8",
        red_over="15",
        contact_days=3,
        remind_days=1,
        now=NOW,
    )
    (warning,) = raise_for(school, {school.zhangsan: 8})
    assert warning.level == "orange"
    assert warning.contact_due_at == NOW + datetime.timedelta(days=3)
    with pytest.raises(PermissionDenied):
        services.warning_rule_update(
            actor=school.zhang,
            yellow_over="4",
            orange_from="8",
            red_over="15",
            contact_days=3,
            remind_days=1,
        )


def test_a_class_without_a_counsellor_has_its_warning_sent_to_the_deputy_secretary(school):
    Post.objects.filter(person=school.zhang).update(until=datetime.date(2025, 1, 1))
    raise_for(school, {school.zhangsan: 12})
    assert Delivery.objects.filter(recipient=school.li, message__kind="studies.warning").exists()
    # And with no deputy secretary either, the college's head is told when it is overdue.
    Post.objects.filter(person=school.li).update(until=datetime.date(2025, 1, 1))
    deadline_sweep(now=NOW + datetime.timedelta(days=7))
    assert Delivery.objects.filter(
        recipient=school.wang, message__kind="studies.contact_overdue"
    ).exists()


def test_the_contact_about_a_warning_is_also_the_semesters_parent_contact(school):
    """The counsellor writes the contact once: talks counts it for the semester's obligation."""
    Semester.objects.create(
        name="2026秋", start=datetime.date(2026, 9, 1), end=datetime.date(2027, 1, 20)
    )
    obligations_open(now=NOW)
    (warning,) = raise_for(school, {school.zhangsan: 12})
    services.parent_contact_record(
        actor=school.zhang,
        warning=warning,
        date=NOW.date(),
        mode="phone",
        summary="与张父通话，告知学业情况",
        now=NOW,
    )
    talk = Talk.objects.get(student=school.zhangsan, kind=Kind.PARENT_CONTACT)
    assert talk.mode == "phone" and talk.by == school.zhang
    obligation = Obligation.objects.get(student=school.zhangsan, kind=Kind.PARENT_CONTACT)
    assert obligation.state == Obligation.State.MET and obligation.record == talk
    # A letter is no talks mode: the warning's record stands alone.
    (other,) = raise_for(school, {school.wangwu: 12})
    services.parent_contact_record(
        actor=school.zhang, warning=other, date=NOW.date(), mode="letter", summary="寄信", now=NOW
    )
    assert not Talk.objects.filter(student=school.wangwu).exists()

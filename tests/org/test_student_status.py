"""学籍 status (休学 / 复学): 学生处 changes it with a reason; a counsellor may not; the event
carries no reason text."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shouwang.audit.models import Event
from shouwang.org.models import Student
from shouwang.org.services import student_status_set


def test_student_affairs_suspends_and_reinstates(school):
    student_status_set(actor=school.chen, student=school.zhangsan, status="suspended", reason="x")
    assert Student.objects.get(pk=school.zhangsan.pk).status == "suspended"
    event = Event.objects.get(verb="student.status_changed")
    assert event.data == {"from": "enrolled", "to": "suspended", "reason_length": 1}
    student_status_set(actor=school.chen, student=school.zhangsan, status="enrolled", reason="y")
    assert Student.objects.get(pk=school.zhangsan.pk).status == "enrolled"


def test_a_counsellor_may_not_and_bad_input_changes_nothing(school):
    with pytest.raises(PermissionDenied):
        student_status_set(
            actor=school.zhang, student=school.zhangsan, status="suspended", reason="x"
        )
    for status, reason in (("nope", "x"), ("suspended", ""), ("suspended", "长" * 201)):
        with pytest.raises(ValidationError):
            student_status_set(
                actor=school.chen, student=school.zhangsan, status=status, reason=reason
            )
    assert Student.objects.get(pk=school.zhangsan.pk).status == "enrolled"
    assert not Event.objects.filter(verb="student.status_changed").exists()

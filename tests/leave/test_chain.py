"""The approval chain is data: its length rules, its validation, and a request climbing it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shouwang.escalation.models import Deadline
from shouwang.leave import chain as chain_module
from shouwang.leave.models import Leave
from shouwang.leave.services import leave_decide
from shouwang.org.roles import default_roles
from tests._events import capture_events

from .conftest import T0, D, H, apply


def test_the_shipped_chain_names_shipped_roles():
    data = chain_module.yaml.safe_load(chain_module.CHAIN_FILE.read_text(encoding="utf-8"))
    chain_module.validate(data, role_codes=[r["code"] for r in default_roles()])


@pytest.mark.parametrize(
    "bad",
    [
        {"rules": []},
        {"rules": [{"up_to_days": 1, "steps": ["counsellor"]}]},  # no open-ended last rule
        {"rules": [{"up_to_days": None, "steps": []}]},
        {"rules": [{"up_to_days": 2, "steps": ["a"]}, {"up_to_days": 1, "steps": ["b"]}]},
    ],
)
def test_a_broken_chain_is_refused(bad):
    data = {
        "term_days": 140,
        "decide_hours": 24,
        "escalate_hours": 24,
        "return_grace_hours": 2,
        "off_campus_steps": ["counsellor"],
        **bad,
    }
    with pytest.raises(ValueError):
        chain_module.validate(data)


def test_unknown_roles_are_named():
    data = {
        "term_days": 140,
        "decide_hours": 24,
        "escalate_hours": 24,
        "return_grace_hours": 2,
        "off_campus_steps": ["counsellor"],
        "rules": [{"up_to_days": None, "steps": ["dean_of_nothing"]}],
    }
    with pytest.raises(ValueError, match="dean_of_nothing"):
        chain_module.validate(data, role_codes=["counsellor"])


@pytest.mark.parametrize(
    ("hours", "steps"),
    [
        (3, ["counsellor"]),
        (24, ["counsellor"]),
        (48, ["counsellor", "deputy_secretary"]),
        (72, ["counsellor", "deputy_secretary", "leader"]),
        (7 * 24, ["counsellor", "deputy_secretary", "leader"]),
        (8 * 24, ["counsellor", "deputy_secretary", "leader", "student_affairs_officer"]),
        (46 * 24, ["counsellor", "deputy_secretary", "leader", "student_affairs_officer"]),
    ],
)
def test_length_decides_the_chain(w, hours, steps):
    leave = apply(w.zhangsan, days=hours / 24)
    assert leave.chain == steps
    assert leave.step_role == "counsellor"


def test_over_a_third_of_a_term_is_suspension_not_leave(w):
    with pytest.raises(ValidationError) as e:
        apply(w.zhangsan, days=47)
    assert "休学" in str(e.value)
    assert not Leave.objects.exists()


def test_five_days_climb_counsellor_secretary_dean(w):
    leave = apply(w.zhangsan, days=5)
    with pytest.raises(PermissionDenied):  # not the dean's step yet
        leave_decide(actor=w.wang, leave=leave, verdict="approved", now=T0 + H)
    with capture_events() as events:
        leave = leave_decide(actor=w.zhang, leave=leave, verdict="approved", now=T0 + H)
    assert [e.verb for e in events] == ["leave.step_approved"]
    assert leave.state == "pending" and leave.step_role == "deputy_secretary"
    leave = leave_decide(actor=w.li, leave=leave, verdict="approved", note="同意", now=T0 + 2 * H)
    leave = leave_decide(actor=w.wang, leave=leave, verdict="approved", now=T0 + 3 * H)
    assert leave.state == "approved"
    assert list(leave.decisions.values_list("person__username", flat=True)) == [
        "zhang",
        "li",
        "wang",
    ]
    open_kinds = set(
        Deadline.objects.filter(subject_id=str(leave.pk), state="open").values_list(
            "kind", flat=True
        )
    )
    assert open_kinds == {"leave_overdue"}  # the steps' deadlines went with their decisions


def test_refusal_needs_a_note_and_ends_the_request(w):
    leave = apply(w.zhangsan, days=2)
    with pytest.raises(ValidationError):
        leave_decide(actor=w.zhang, leave=leave, verdict="refused", note="", now=T0 + H)
    leave = leave_decide(actor=w.zhang, leave=leave, verdict="refused", note="考试周", now=T0 + H)
    assert leave.state == "refused"
    with pytest.raises(ValidationError):  # decided: nobody decides it again
        leave_decide(actor=w.li, leave=leave, verdict="approved", now=T0 + 2 * H)
    assert not Deadline.objects.filter(subject_id=str(leave.pk), state="open").exists()


def test_another_classes_counsellor_cannot_decide(w):
    leave = apply(w.zhangsan)
    with pytest.raises(PermissionDenied):
        leave_decide(actor=w.zhao, leave=leave, verdict="approved", now=T0 + H)


def test_a_student_cannot_approve_their_own_leave(w):
    leave = apply(w.zhangsan)
    with pytest.raises(PermissionDenied):
        leave_decide(actor=w.zhangsan.user, leave=leave, verdict="approved", now=T0 + H)
    assert Leave.objects.get().state == "pending"


def test_end_before_start_and_overlap_are_refused(w):
    with pytest.raises(ValidationError) as e:
        apply(w.zhangsan, days=-1)
    assert "end_at" in e.value.message_dict
    apply(w.zhangsan, start=T0 + 2 * H, days=2)
    with pytest.raises(ValidationError) as e:
        apply(w.zhangsan, start=T0 + D, days=2)
    assert "start_at" in e.value.message_dict
    # Another student's leave at the same time is theirs.
    apply(w.lisi, start=T0 + D, days=1)
    assert Leave.objects.count() == 2


def test_off_campus_lodging_needs_address_and_consent(w):
    with pytest.raises(ValidationError) as e:
        apply(w.zhangsan, kind="off_campus", days=30)
    assert {"address", "guardian_consent"} <= set(e.value.message_dict)
    leave = apply(
        w.zhangsan,
        kind="off_campus",
        days=90,
        address="学府路8号",
        guardian_consent=True,
        guardian_consent_note="家长电话确认",
    )
    assert leave.chain == ["counsellor", "deputy_secretary", "student_affairs_officer"]


def test_staff_without_a_student_cannot_apply(w):
    with pytest.raises(PermissionDenied):
        from shouwang.leave.services import leave_apply  # noqa: PLC0415

        leave_apply(actor=w.zhang, start_at=T0, end_at=T0 + D, reason="x", now=T0)

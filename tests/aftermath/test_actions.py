"""Corrective actions (整改): 部署 → 落实 → 检查 → 反馈 on the record; 三色督办 as deadlines on
the engine at exact times — yellow at 30 % of the time left without a progress report (the
owner told), orange at 15 % (the owner's leader told), red when overdue (the issuer's leader
told; the unit's red count is a statistic). Refusals are clear and change nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from shouwang.aftermath import selectors, services
from shouwang.aftermath.auditor import obligations_repair, obligations_without_deadline
from shouwang.aftermath.models import ActionEvidence, CorrectiveAction, Review
from shouwang.audit.models import Event
from shouwang.escalation.models import Deadline
from shouwang.escalation.sweep import deadline_sweep
from shouwang.notify.models import Delivery

from .conftest import CLOSED

pytestmark = pytest.mark.django_db
ISSUED = CLOSED + timedelta(days=1)
DUE = ISSUED + timedelta(days=10)  # yellow at +7 d, orange at +8.5 d, red at +10 d


def told(kind):
    return sorted(
        set(
            Delivery.objects.filter(message__kind=kind).values_list(
                "recipient__username", flat=True
            )
        )
    )


@pytest.fixture
def review(closed):
    return Review.objects.get(incident=closed)


def issue(campus, review, **over):
    fields = {
        "title": "完善宿舍巡查制度",
        "requirement": "每晚23点前巡查并记录",
        "evidence_required": "巡查记录表扫描件",
        "owner_unit": campus.class_a,
        "owner": campus.zhang,
        "due_at": DUE,
    }
    fields.update(over)
    return services.action_issue(
        actor=campus.chen, source_type="aftermath.review", source_id=review.pk, now=ISSUED, **fields
    )


def colour(action):
    action.refresh_from_db()
    return action.colour


def test_an_action_without_owner_or_due_date_is_refused_with_both_named(campus, review):
    events = Event.objects.count()
    with pytest.raises(ValidationError) as exc:
        issue(campus, review, owner=None, due_at=None, owner_unit=None)
    assert {"owner", "due_at", "owner_unit"} <= set(exc.value.error_dict)
    with pytest.raises(ValidationError) as exc:
        issue(campus, review, owner=campus.zhao)  # 赵老师 holds no post in class A
    assert "owner" in exc.value.error_dict
    assert not CorrectiveAction.objects.exists() and Event.objects.count() == events


def test_only_reviewers_issue_actions_from_a_review(campus, review):
    with pytest.raises(PermissionDenied):
        services.action_issue(
            actor=campus.zhao,
            source_type="aftermath.review",
            source_id=review.pk,
            title="x",
            requirement="x",
            evidence_required="x",
            owner_unit=campus.class_a,
            owner=campus.zhang,
            due_at=DUE,
            now=ISSUED,
        )
    with pytest.raises(ValidationError):
        services.action_issue(
            actor=campus.chen,
            source_type="drills.drill",
            source_id=1,
            title="x",
            requirement="x",
            evidence_required="x",
            owner_unit=campus.class_a,
            owner=campus.zhang,
            due_at=DUE,
            now=ISSUED,
        )


def test_three_colours_at_exact_times_without_a_progress_report(campus, review):
    action = issue(campus, review)
    assert told("aftermath.action_issued") == ["zhang"]
    yellow, orange = ISSUED + timedelta(days=7), ISSUED + timedelta(days=8, hours=12)
    deadline_sweep(now=yellow - timedelta(seconds=1))
    assert colour(action) == "green"
    deadline_sweep(now=yellow)
    assert colour(action) == "yellow" and told("aftermath.action_yellow") == ["zhang"]
    deadline_sweep(now=orange - timedelta(seconds=1))
    assert colour(action) == "yellow"
    deadline_sweep(now=orange)
    # The counsellor's leader: the college's deputy secretary for student work.
    assert colour(action) == "orange" and told("aftermath.action_orange") == ["li", "zhang"]
    deadline_sweep(now=DUE - timedelta(seconds=1))
    assert colour(action) == "orange" and action.red_at is None
    deadline_sweep(now=DUE)
    # Red: the issuer (陈处长, head of 学生处) and the issuer's leader (the school leader) are told.
    assert colour(action) == "red" and action.red_at == DUE
    assert told("aftermath.action_red") == ["boss", "chen", "zhang"]
    assert [r["n"] for r in selectors.red_counts(campus.wang)] == [1]
    assert [
        e.verb
        for e in Event.objects.filter(subject_type="aftermath.correctiveaction").exclude(
            verb="action.issued"
        )
    ] == ["action.yellow", "action.orange", "action.red"]


def test_a_progress_report_keeps_an_action_out_of_yellow_and_orange(campus, review):
    action = issue(campus, review)
    services.action_progress(
        actor=campus.zhang, action=action, text="已制定巡查表", now=ISSUED + timedelta(days=2)
    )
    deadline_sweep(now=ISSUED + timedelta(days=9))
    assert colour(action) == "green" and action.state == "implementing"
    outcomes = set(
        Deadline.objects.filter(subject_type="aftermath.action", state="done").values_list(
            "outcome", flat=True
        )
    )
    assert outcomes == {"progress_reported"}
    deadline_sweep(now=DUE)  # progress is not completion: overdue is still red
    assert colour(action) == "red"


def test_a_progress_report_after_yellow_brings_it_back_on_track(campus, review):
    action = issue(campus, review)
    deadline_sweep(now=ISSUED + timedelta(days=7))
    assert colour(action) == "yellow"
    services.action_progress(
        actor=campus.zhang,
        action=action,
        text="已落实一半",
        now=ISSUED + timedelta(days=7, hours=1),
    )
    assert colour(action) == "green"
    deadline_sweep(now=ISSUED + timedelta(days=9))
    assert colour(action) == "green"


def test_submitted_then_accepted_never_goes_red(campus, review):
    action = issue(campus, review)
    evidence = SimpleUploadedFile("记录表.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    services.action_submit(
        actor=campus.zhang,
        action=action,
        evidence_text="巡查记录已上传",
        attachments=[evidence],
        now=ISSUED + timedelta(days=5),
    )
    action.refresh_from_db()
    assert (
        action.state == "inspecting"
        and ActionEvidence.objects.get().content_type == "application/pdf"
    )
    assert told("aftermath.action_submitted") == ["chen"]
    with pytest.raises(PermissionDenied):
        services.action_inspect(
            actor=campus.zhang, action=action, verdict="accept", now=ISSUED + timedelta(days=6)
        )
    services.action_inspect(
        actor=campus.chen, action=action, verdict="accept", now=ISSUED + timedelta(days=6)
    )
    action.refresh_from_db()
    assert action.state == "accepted" and action.accepted_by == campus.chen
    assert not Deadline.objects.filter(subject_type="aftermath.action", state="open").exists()
    deadline_sweep(now=DUE + timedelta(days=1))
    assert colour(action) == "green" and action.red_at is None


def test_sent_back_needs_a_reason_and_after_the_due_date_turns_red_at_once(campus, review):
    action = issue(campus, review)
    services.action_submit(
        actor=campus.zhang, action=action, evidence_text="已完成", now=ISSUED + timedelta(days=9)
    )
    deadline_sweep(now=DUE)  # awaiting inspection: the issuer's turn, not red
    assert colour(action) == "green"
    with pytest.raises(ValidationError) as exc:
        services.action_inspect(
            actor=campus.chen,
            action=action,
            verdict="send_back",
            reason=" ",
            now=DUE + timedelta(hours=1),
        )
    assert "reason" in exc.value.error_dict
    assert CorrectiveAction.objects.get(pk=action.pk).state == "inspecting"
    services.action_inspect(
        actor=campus.chen,
        action=action,
        verdict="send_back",
        reason="缺少签字",
        now=DUE + timedelta(hours=1),
    )
    action.refresh_from_db()
    assert (
        action.state == "implementing"
        and action.colour == "red"
        and action.red_at == DUE + timedelta(hours=1)
    )
    assert told("aftermath.action_sent_back") == ["zhang"]
    assert list(action.steps.values_list("kind", flat=True)) == ["submitted", "sent_back"]


def test_evidence_failing_the_upload_checks_changes_nothing(campus, review):
    action = issue(campus, review)
    events = Event.objects.count()
    bad = SimpleUploadedFile(
        "记录.docx", b"PK\x03\x04 not really a zip", content_type="application/msword"
    )
    with pytest.raises(ValidationError) as exc:
        services.action_submit(
            actor=campus.zhang,
            action=action,
            evidence_text="见附件",
            attachments=[bad],
            now=ISSUED + timedelta(days=1),
        )
    assert "记录.docx" in str(exc.value)
    action.refresh_from_db()
    assert (
        action.state == "deployed"
        and not ActionEvidence.objects.exists()
        and Event.objects.count() == events
    )


def test_only_the_owner_or_the_unit_head_report_progress(campus, review):
    action = issue(campus, review)
    for who in (campus.zhao, campus.liu):
        with pytest.raises(PermissionDenied):
            services.action_progress(actor=who, action=action, text="x", now=ISSUED)
    with pytest.raises(ValidationError):
        services.action_progress(actor=campus.zhang, action=action, text="", now=ISSUED)
    assert not action.steps.exists()


def test_the_unit_head_sees_their_own_units_actions_and_others_do_not(campus, review):
    action = issue(campus, review)
    other = issue(campus, review, title="加强安保巡逻", owner_unit=campus.bwc, owner=campus.bao)
    assert {a.pk for a in selectors.action_list(campus.wang)} == {action.pk}  # head of C01
    assert {a.pk for a in selectors.action_list(campus.chen)} == {action.pk, other.pk}  # issuer
    assert selectors.action_list(campus.zhao) == []
    with pytest.raises(Http404):
        selectors.action_get(campus.zhao, action.pk)
    groups = selectors.actions_by_unit(campus.chen)
    assert [g["unit"].code for g in groups] == ["BWC", "C01-2024-1"]
    assert [a.pk for a in selectors.actions_by_due(campus.chen)] == [action.pk, other.pk]


def test_the_auditor_restores_a_lost_red_deadline(campus, review):
    action = issue(campus, review)
    assert obligations_without_deadline() == []
    Deadline.objects.filter(subject_type="aftermath.action", kind="action_red").delete()
    assert obligations_without_deadline() == [f"aftermath.action:{action.pk}"]
    assert obligations_repair(now=ISSUED + timedelta(days=1)) == 1
    assert obligations_without_deadline() == []
    deadline_sweep(now=DUE)
    assert colour(action) == "red"

"""Hazard campaigns (R-STU-3, issue 16 item 5): a checklist issued to units with a due date,
answered once by each unit's responsible post; a problem found becomes a corrective action with
its own 三色督办 deadlines; a silent unit is reminded before the due date and escalated at it,
on the engine and at exact times; refusals are clear and change nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils.translation import gettext

from shouwang.aftermath.models import CorrectiveAction
from shouwang.audit.models import Event
from shouwang.campaigns import selectors, services
from shouwang.campaigns.auditor import units_repair, units_without_deadline
from shouwang.campaigns.models import Campaign, CampaignAnswer, CampaignUnit
from shouwang.escalation.models import Deadline
from shouwang.escalation.sweep import deadline_sweep
from shouwang.notify.hooks import group_summary
from shouwang.notify.models import Delivery, Message
from tests._events import capture_events
from tests.design.test_post_views import changed, snapshot

from .conftest import DUE, ITEMS, NOW, answers_for, issue

pytestmark = pytest.mark.django_db
S = timedelta(seconds=1)


def told(kind):
    return sorted(
        set(
            Delivery.objects.filter(message__kind=kind).values_list(
                "recipient__username", flat=True
            )
        )
    )


def unit(campaign, code):
    return CampaignUnit.objects.select_related("campaign", "unit").get(
        campaign=campaign, unit__code=code
    )


def test_the_shipped_checklist_is_seed_003s_twelve_items():
    assert ITEMS == [
        "安全管理制度落实",
        "“三防”建设",
        "周边综合治理",
        "学生集中活动场所管理",
        "工作关系",
        "师生关系",
        "同学关系",
        "家庭关系",
        "学业就业",
        "婚恋",
        "心理",
        "特殊困境",
    ]


def test_issuing_copies_the_items_freezes_who_answers_and_schedules_two_deadlines(campus):
    with capture_events() as events:
        campaign = issue(campus, items=[*ITEMS[:3], "实验室危化品管理"])
    assert events.verbs == ["campaign.issued"]
    assert [i.title for i in campaign.items.all()] == [*ITEMS[:3], "实验室危化品管理"]
    assert {a.unit.code: a.role for a in campaign.units.select_related("unit")} == {
        "C01": "deputy_secretary",
        "JWC": "leader",
    }
    c01 = unit(campaign, "C01")
    rows = Deadline.objects.filter(subject_type="campaigns.unit", subject_id=str(c01.pk))
    assert {(r.kind, r.due_at) for r in rows} == {
        ("campaign_remind", DUE - timedelta(days=1)),
        ("campaign_overdue", DUE),
    }
    assert told("campaigns.issued") == ["jiao", "li"]


@pytest.mark.parametrize(
    "over, field",
    [
        ({"units": []}, "units"),
        ({"items": []}, "items"),
        ({"items": ["  ", ""]}, "items"),
        ({"items": ["心理", "心理"]}, "items"),
        ({"due_at": NOW - timedelta(days=1)}, "due_at"),
        ({"due_at": NOW + timedelta(minutes=30)}, "due_at"),
        ({"units": ["BWC"]}, "units"),  # nobody holds 保卫处's head post
        ({"units": ["C01-2024-1"]}, "units"),  # a class is not a college or office
        ({"units": ["NOPE"]}, "units"),
        ({"issuer_unit": "C01"}, "issuer_unit"),
        ({"title": ""}, "title"),
        ({"fix_days": 0}, "fix_days"),
    ],
)
def test_bad_campaigns_are_refused_with_the_field_named_and_nothing_changes(campus, over, field):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        issue(campus, **over)
    assert field in exc.value.message_dict
    assert not changed(before)


def test_only_the_offices_issue_campaigns(campus):
    with pytest.raises(PermissionDenied):
        services.campaign_create(
            actor=campus.li,
            title="x",
            issuer_unit="C01",
            units=["C01"],
            items=ITEMS,
            due_at=DUE,
            now=NOW,
        )
    # 保卫处 issues for itself.
    campaign = services.campaign_create(
        actor=campus.bao,
        title="安防排查",
        issuer_unit="BWC",
        units=["C01"],
        items=ITEMS[:2],
        due_at=DUE,
        now=NOW,
    )
    assert campaign.issuer_unit.code == "BWC"


def test_a_silent_unit_is_reminded_a_day_before_and_escalated_at_the_due_time(campaign, campus):
    c01 = unit(campaign, "C01")
    deadline_sweep(now=DUE - timedelta(days=1) - S)
    c01.refresh_from_db()
    assert c01.reminded_at is None
    deadline_sweep(now=DUE - timedelta(days=1))
    c01.refresh_from_db()
    assert c01.reminded_at == DUE - timedelta(days=1)
    assert told("campaigns.reminder") == ["jiao", "li"]
    deadline_sweep(now=DUE - S)
    c01.refresh_from_db()
    assert c01.overdue_at is None
    deadline_sweep(now=DUE)
    c01.refresh_from_db()
    assert c01.overdue_at == DUE
    # The deputy secretary, her superior (the college's head) and the issuer; 教务处's head and
    # the issuer for JWC (the head's own superior is the school leader).
    assert told("campaigns.overdue") == ["boss", "chen", "jiao", "li", "wang"]
    overdue = Event.objects.filter(verb="campaign.unit_overdue", data__unit="C01").get()
    assert overdue.data["escalated_to"] == [campus.wang.pk]
    assert selectors.board(campaign, now=DUE)["counts"]["late"] == 2


def test_a_problem_becomes_a_corrective_action_with_its_own_deadlines(campaign, campus):
    c01 = unit(campaign, "C01")
    at = NOW + timedelta(days=1)
    with capture_events() as events:
        services.campaign_answer(
            actor=campus.li,
            assignment=c01,
            answers=answers_for(
                campaign, {"心理": ("2名学生情绪低落", "已安排谈心并转介心理中心")}
            ),
            now=at,
        )
    assert events.verbs == ["action.issued", "campaign.answered"]
    answer = CampaignAnswer.objects.get(assignment=c01, has_problem=True)
    action = CorrectiveAction.objects.get(pk=answer.action_id)
    assert (action.source_type, action.source_id) == ("campaigns.unit", str(c01.pk))
    assert (action.owner, action.owner_unit, action.issuer) == (campus.li, campus.c01, campus.chen)
    assert action.due_at == at + timedelta(days=14)
    assert "2名学生情绪低落" in action.requirement
    kinds = set(
        Deadline.objects.filter(
            subject_type="aftermath.action", subject_id=str(action.pk)
        ).values_list("kind", flat=True)
    )
    assert kinds == {"action_yellow", "action_orange", "action_red"}
    # The unit's own deadlines are gone: no reminder, no escalation.
    assert not Deadline.objects.filter(
        subject_type="campaigns.unit", subject_id=str(c01.pk), state="open"
    ).exists()
    deadline_sweep(now=DUE)
    c01.refresh_from_db()
    assert c01.overdue_at is None and c01.reminded_at is None
    # The action runs on: yellow at 30 % of its time left without a progress report.
    deadline_sweep(now=at + timedelta(days=14 * 0.7))
    action.refresh_from_db()
    assert action.colour == "yellow"
    # Its page links back to the unit's answer.
    page = campus_client(campus.li).get(f"/aftermath/actions/{action.pk}/")
    assert f"/campaigns/{campaign.pk}/units/C01/" in page.content.decode()


def campus_client(person):
    client = Client()
    client.force_login(person)
    return client


def _refused(fn, exc_type=ValidationError):
    before = snapshot()
    with pytest.raises(exc_type) as exc:
        fn()
    assert not changed(before)
    return exc.value


def test_bad_answers_are_refused_and_change_nothing(campaign, campus):
    c01 = unit(campaign, "C01")
    good = answers_for(campaign)
    stray = {**good, "999999": {"has_problem": False}}
    err = _refused(lambda: services.campaign_answer(actor=campus.li, assignment=c01, answers=stray))
    assert "answers" in err.message_dict
    first = str(campaign.items.first().pk)
    missing = {k: v for k, v in good.items() if k != first}
    err = _refused(
        lambda: services.campaign_answer(actor=campus.li, assignment=c01, answers=missing)
    )
    assert f"item_{first}" in err.message_dict
    vague = {**good, first: {"has_problem": True, "description": "", "measure": ""}}
    err = _refused(lambda: services.campaign_answer(actor=campus.li, assignment=c01, answers=vague))
    assert f"item_{first}" in err.message_dict
    # Someone not holding the unit's post (the counsellor, the issuer, the college head).
    for who in (campus.zhang, campus.chen, campus.wang):
        _refused(
            lambda who=who: services.campaign_answer(actor=who, assignment=c01, answers=good),
            PermissionDenied,
        )


def test_no_answer_after_the_campaign_closed_or_twice(campaign, campus):
    services.campaign_answer(
        actor=campus.li, assignment=unit(campaign, "C01"), answers=answers_for(campaign), now=NOW
    )
    _refused(
        lambda: services.campaign_answer(
            actor=campus.li, assignment=unit(campaign, "C01"), answers=answers_for(campaign)
        )
    )
    with capture_events() as events:
        services.campaign_close(actor=campus.chen, campaign=campaign, now=NOW + timedelta(days=1))
    assert events.verbs == ["campaign.closed"]
    assert events.one("campaign.closed").data == {"unanswered": ["JWC"]}
    err = _refused(
        lambda: services.campaign_answer(
            actor=campus.jiao, assignment=unit(campaign, "JWC"), answers=answers_for(campaign)
        )
    )
    assert err.messages == [gettext("The campaign is closed.")]
    campaign.refresh_from_db()
    counts = selectors.board(campaign, now=NOW + timedelta(days=1))["counts"]
    assert (counts["answered"], counts["unanswered"], counts["pending"]) == (1, 1, 0)
    # Closing stopped the chase.
    deadline_sweep(now=DUE)
    assert told("campaigns.overdue") == []
    _refused(lambda: services.campaign_close(actor=campus.chen, campaign=campaign))
    _refused(lambda: services.campaign_close(actor=campus.li, campaign=campaign), PermissionDenied)


def test_the_board_counts_answered_late_waiting_and_problems_by_item(campus):
    campaign = issue(campus, units=["C01", "JWC", "XSC"])
    services.campaign_answer(
        actor=campus.li,
        assignment=unit(campaign, "C01"),
        answers=answers_for(campaign, {"心理": ("a", "b"), "婚恋": ("c", "d")}),
        now=NOW + timedelta(days=1),
    )
    board = selectors.board(campaign, now=NOW + timedelta(days=2))
    assert board["counts"] == {
        "units": 3,
        "answered": 1,
        "late_answered": 0,
        "late": 0,
        "pending": 2,
        "unanswered": 0,
        "problems": 2,
    }
    deadline_sweep(now=DUE)
    services.campaign_answer(
        actor=campus.jiao,
        assignment=unit(campaign, "JWC"),
        answers=answers_for(campaign, {"心理": ("e", "f")}),
        now=DUE + timedelta(hours=2),
    )
    board = selectors.board(campaign, now=DUE + timedelta(hours=3))
    assert board["counts"] == {
        "units": 3,
        "answered": 2,
        "late_answered": 1,
        "late": 1,
        "pending": 0,
        "unanswered": 0,
        "problems": 3,
    }
    by_item = dict((i.title, n) for i, n in board["by_item"])
    assert by_item["心理"] == 2 and by_item["婚恋"] == 1 and by_item["工作关系"] == 0
    assert board["chart"]["problems"][ITEMS.index("心理")] == 2


def test_the_auditor_restores_a_lost_overdue_deadline(campaign):
    c01 = unit(campaign, "C01")
    Deadline.objects.filter(subject_id=str(c01.pk), kind="campaign_overdue").delete()
    assert units_without_deadline() == [f"campaigns.unit:{c01.pk}"]
    assert units_repair(now=NOW + timedelta(hours=1)) == 1
    assert units_without_deadline() == []
    deadline_sweep(now=DUE)
    c01.refresh_from_db()
    assert c01.overdue_at == DUE
    assert Campaign.objects.get(pk=campaign.pk).state == "open"


def test_a_group_robot_names_the_campaign_and_unit_never_what_was_found(campaign, campus):
    c01 = unit(campaign, "C01")
    line = group_summary(Message.objects.filter(subject_type="campaigns.unit").first())
    assert "2026年秋季风险隐患大排查" in line
    services.campaign_answer(
        actor=campus.li,
        assignment=c01,
        answers=answers_for(campaign, {"心理": ("张三情绪低落", "谈心")}),
        now=NOW,
    )
    assert all(
        "张三" not in group_summary(m)
        for m in Message.objects.filter(subject_type="campaigns.unit")
    )

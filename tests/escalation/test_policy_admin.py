"""Editing escalation policies: bad input names the step and changes nothing; only 学生处 and
school leaders edit; every edit is a new version on the timeline; filed reports keep their route."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from shouwang.audit.models import Event
from shouwang.escalation.models import EscalationPolicy
from shouwang.escalation.services import parse_steps, policy_create, policy_update
from shouwang.escalation.sweep import deadline_sweep
from shouwang.reports.models import Category

from .conftest import at

GOOD = [
    {"roles": ["counsellor"], "at": "class", "ack_minutes": 20},
    {"roles": ["deputy_secretary"], "at": "college", "ack_minutes": 20},
]


def night_policy():
    return EscalationPolicy.objects.get(name="夜不归宿（一般）")


def login(person):
    client = Client()
    client.force_login(person)
    return client


def text(response):
    """The page as a person reads it: tags dropped."""
    return re.sub(r"<[^>]+>", "", response.content.decode())


def chains(response):
    """Each escalation chain on the page (ol.steps) as its steps' text, one string a step."""
    lists = re.findall(r'<ol class="steps">(.*?)</ol>', response.content.decode(), re.S)
    return [
        [re.sub(r"<[^>]+>", "", li).strip() for li in re.findall(r"<li>(.*?)</li>", ol, re.S)]
        for ol in lists
    ]


def state(policy):
    policy.refresh_from_db()
    return policy.steps, policy.start_step, policy.version, policy.is_active, Event.objects.count()


MALFORMED = [
    ([{"roles": ["nobody"], "at": "class", "ack_minutes": 5}], 0, "第1步：未知岗位 nobody"),
    ([GOOD[0], {"roles": ["counsellor"], "at": "planet", "ack_minutes": 5}], 0, "第2步：at 必须是"),
    (
        [GOOD[0], {"roles": ["leader"], "at": "office:gardening", "ack_minutes": 5}],
        0,
        "第2步：未知部门职能 gardening",
    ),
    ([{"roles": ["counsellor"], "at": "class", "ack_minutes": 0}], 0, "第1步：确认时限"),
    (
        [GOOD[0], {"roles": ["counsellor"], "at": "class", "ack_minutes": "abc"}],
        0,
        "第2步：确认时限",
    ),
    ([{"roles": [], "at": "class", "ack_minutes": 5}], 0, "第1步：roles 必须是非空"),
    (
        [{"roles": ["counsellor"], "at": "class", "ack_minutes": 5, "wait": 3}],
        0,
        "第1步：未知字段 wait",
    ),
    ([GOOD[0], "counsellor"], 0, "第2步：必须包含"),
    ([], 0, "至少需要一个步骤"),
    (GOOD, 5, "起始步骤必须是第 1 至第 2 步之一"),
    (GOOD, -1, "起始步骤"),
    ("not a list", 0, "步骤必须是列表"),
    ({"roles": ["counsellor"]}, 0, "步骤必须是列表"),
]


@pytest.mark.parametrize("steps, start, message", MALFORMED)
def test_malformed_policy_is_refused_naming_the_step(school, steps, start, message):
    policy = night_policy()
    before = state(policy)
    with pytest.raises(ValidationError) as err:
        policy_update(actor=school.chen, policy=policy, steps=steps, start_step=start)
    assert any(message in m for m in err.value.messages), err.value.messages
    assert state(policy) == before


def test_every_error_is_listed_not_just_the_first(school):
    steps = [
        {"roles": ["ghost"], "at": "class", "ack_minutes": 5},
        GOOD[0],
        {"roles": ["counsellor"], "at": "moon", "ack_minutes": 0},
    ]
    with pytest.raises(ValidationError) as err:
        policy_update(actor=school.chen, policy=night_policy(), steps=steps, start_step=7)
    assert [m[:4] for m in err.value.messages] == ["第1步：", "第3步：", "第3步：", "起始步骤"]


def test_bad_yaml_names_the_line():
    with pytest.raises(ValidationError, match=r"第2行"):
        parse_steps("- roles: [counsellor]\n  at: class: x\n  ack_minutes: 5\n")


def test_edit_bumps_version_and_is_on_the_timeline(school):
    old_steps = night_policy().steps
    policy = policy_update(actor=school.chen, policy=night_policy(), steps=GOOD, start_step=1)
    assert (policy.version, policy.steps, policy.start_step) == (2, GOOD, 1)
    event = Event.objects.get(verb="policy.changed")
    assert event.actor == school.chen and event.subject_id == str(policy.pk)
    assert event.data["before"]["steps"] == old_steps and event.data["before"]["version"] == 1
    assert event.data["after"]["steps"] == GOOD and event.data["after"]["version"] == 2


def test_saving_an_unchanged_policy_writes_nothing(school):
    policy = night_policy()
    before = state(policy)
    policy_update(
        actor=school.chen, policy=policy, steps=policy.steps, start_step=policy.start_step
    )
    assert state(policy) == before


def test_counsellor_cannot_edit_but_may_read(school):
    policy = night_policy()
    before = state(policy)
    with pytest.raises(PermissionDenied):
        policy_update(actor=school.zhang, policy=policy, steps=GOOD, start_step=0)
    zhang = login(school.zhang)
    url = f"/escalation/policies/{policy.pk}/"
    assert zhang.post(url, {"name": "x", "steps": "[]", "start_step": "1"}).status_code == 403
    assert (
        zhang.post("/escalation/policies/validate/", {"steps": "[]", "start_step": "1"}).status_code
        == 403
    )
    assert zhang.get("/escalation/policies/new/").status_code == 403
    page = zhang.get(url)
    assert page.status_code == 200 and "辅导员@班级 30分钟" in page.content.decode()
    assert "<textarea" not in page.content.decode()
    assert state(policy) == before


def test_create_and_the_one_active_policy_rule(school):
    night = Category.objects.get(code="night_absence")
    created = policy_create(
        actor=school.chen,
        name="夜不归宿（重大）",
        category=night,
        severity="major",
        steps=GOOD,
        start_step=1,
    )
    assert (
        created.version == 1
        and Event.objects.filter(verb="policy.created", subject_id=str(created.pk)).exists()
    )
    count = (EscalationPolicy.objects.count(), Event.objects.count())
    with pytest.raises(ValidationError, match="策略 夜不归宿（重大） 已对 夜不归宿 × .* 启用"):
        policy_create(
            actor=school.chen, name="另一条", category=night, severity="major", steps=GOOD
        )
    with pytest.raises(ValidationError, match="已有名为 夜不归宿（重大） 的上报策略"):
        policy_create(
            actor=school.chen,
            name="夜不归宿（重大）",
            category=night,
            severity="major",
            steps=GOOD,
            is_active=False,
        )
    assert (EscalationPolicy.objects.count(), Event.objects.count()) == count
    spare = policy_create(
        actor=school.chen,
        name="备用",
        category=night,
        severity="major",
        steps=GOOD,
        is_active=False,
    )
    with pytest.raises(ValidationError, match="已对"):  # activating it would make two active
        policy_update(actor=school.chen, policy=spare, steps=GOOD, start_step=0, is_active=True)
    assert not EscalationPolicy.objects.get(pk=spare.pk).is_active
    with pytest.raises(PermissionDenied):
        policy_create(
            actor=school.li, name="李书记的", category=night, severity="larger", steps=GOOD
        )


def test_the_default_policy_cannot_be_switched_off(school):
    default = EscalationPolicy.objects.get(category__isnull=True, severity="")
    with pytest.raises(ValidationError, match="默认策略"):
        policy_update(
            actor=school.chen, policy=default, steps=default.steps, start_step=0, is_active=False
        )
    assert EscalationPolicy.objects.get(pk=default.pk).is_active


WEB_MALFORMED = [
    ("- {roles: [ghost], at: class, ack_minutes: 5}", "1", "第1步：未知岗位 ghost"),
    ("- {roles: [counsellor], at: planet, ack_minutes: 5}", "1", "第1步：at 必须是"),
    ("- {roles: [counsellor], at: class, ack_minutes: 0}", "1", "第1步：确认时限"),
    ("- {roles: [counsellor], at: class, ack_minutes: abc}", "1", "第1步：确认时限"),
    ("[]", "1", "至少需要一个步骤"),
    ("- {roles: [counsellor], at: class, ack_minutes: 5}", "3", "起始步骤必须是第 1 至第 1 步之一"),
    ("just some words", "1", "步骤必须是列表"),
    ("- roles: [counsellor\n  at: class", "1", "步骤不是有效的 YAML"),
]


@pytest.mark.parametrize("text, start, message", WEB_MALFORMED)
def test_edit_page_shows_the_chinese_error_and_saves_nothing(school, text, start, message):
    policy = night_policy()
    before = state(policy)
    response = login(school.chen).post(
        f"/escalation/policies/{policy.pk}/",
        {"name": policy.name, "is_active": "on", "steps": text, "start_step": start},
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert state(policy) == before


def test_edit_page_saves_a_good_policy(school):
    chen, policy = login(school.chen), night_policy()
    page = chen.get(f"/escalation/policies/{policy.pk}/")
    assert page.status_code == 200 and "roles: [dorm_head]" in page.content.decode()
    response = chen.post(
        f"/escalation/policies/{policy.pk}/",
        {
            "name": policy.name,
            "is_active": "on",
            "start_step": "2",
            "steps": "- {roles: [counsellor], at: class, ack_minutes: 20}\n"
            "- {roles: [deputy_secretary], at: college, ack_minutes: 20}\n",
        },
    )
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.version, policy.steps, policy.start_step) == (
        2,
        GOOD,
        1,
    )  # the page counts from 1
    assert ["辅导员@班级 20分钟 · 知会", "越级起点 分管学生工作副书记@学院 20分钟"] in chains(
        chen.get("/escalation/policies/")
    )
    assert "修改 v1 → v2" in chen.get(f"/escalation/policies/{policy.pk}/").content.decode()


def test_list_summarises_the_steps_in_chinese(school):
    response = login(school.zhang).get("/escalation/policies/")
    listing = response.content.decode()
    assert any(
        chain[:2] == ["宿舍长@宿舍 30分钟", "辅导员@班级 30分钟"] for chain in chains(response)
    )
    assert "学生处工作人员@学生处" in listing  # office:student_affairs reads as the office's name
    assert "越级起点" in listing  # the shipped 较大/重大 policies start higher


def test_live_validation_lists_errors_or_previews_the_chain(school):
    chen = login(school.chen)
    bad = chen.post(
        "/escalation/policies/validate/",
        {
            "steps": "- {roles: [ghost], at: class, ack_minutes: 5}\n"
            "- {roles: [counsellor], at: x, ack_minutes: 5}",
            "start_step": "1",
        },
    )
    assert bad.status_code == 200
    assert (
        "第1步：未知岗位 ghost" in bad.content.decode()
        and "第2步：at 必须是" in bad.content.decode()
    )
    good = chen.post(
        "/escalation/policies/validate/",
        {"steps": "- {roles: [counsellor], at: class, ack_minutes: 5}", "start_step": "1"},
    )
    assert "校验通过" in good.content.decode() and "辅导员@班级 5分钟" in good.content.decode()
    assert Event.objects.filter(verb__startswith="policy.").count() == 0


def test_new_policy_page_creates_and_refuses_a_second_active_one(school):
    chen = login(school.chen)
    night = Category.objects.get(code="night_absence")
    form = {
        "name": "夜不归宿（重大）",
        "category": night.pk,
        "severity": "major",
        "is_active": "on",
        "steps": "- {roles: [counsellor], at: class, ack_minutes: 10}",
        "start_step": "1",
    }
    assert chen.get("/escalation/policies/new/").status_code == 200
    assert chen.post("/escalation/policies/new/", form).status_code == 302
    again = chen.post("/escalation/policies/new/", {**form, "name": "再来一条"})
    assert again.status_code == 400 and "已对 夜不归宿" in again.content.decode()
    assert EscalationPolicy.objects.filter(category=night, severity="major").count() == 1


def test_filed_report_keeps_its_route_after_an_edit(school, file_night_absence):
    filed = file_night_absence(at(14))
    assert [s["roles"] for s in filed.route[:2]] == [["dorm_head"], ["counsellor"]]
    policy_update(actor=school.chen, policy=night_policy(), steps=GOOD, start_step=0)
    deadline_sweep(now=at(14, 31))  # the dorm head missed 30 minutes
    filed.refresh_from_db()
    assert filed.route[0]["roles"] == ["dorm_head"] and filed.current_step == 1
    assert [r.person for r in filed.recipients.filter(step=1, purpose="ack")] == [school.zhang]
    later = file_night_absence(at(15))
    assert (
        later.route == GOOD and later.recipients.get(step=0, purpose="ack").person == school.zhang
    )


def test_a_save_racing_past_the_check_still_reads_as_a_sentence(school, monkeypatch):
    """Two offices saving at once can both pass the check; the constraint then decides, and the
    loser reads a Chinese sentence instead of an IntegrityError."""
    from shouwang.escalation import services

    monkeypatch.setattr(services, "_check_unique", lambda **kwargs: None)
    night = Category.objects.get(code="night_absence")
    before = (EscalationPolicy.objects.count(), Event.objects.count())
    with pytest.raises(ValidationError, match="同一时间有人保存了 夜不归宿 × 一般 的另一条策略"):
        policy_create(
            actor=school.chen, name="抢先一步", category=night, severity="general", steps=GOOD
        )
    assert (EscalationPolicy.objects.count(), Event.objects.count()) == before


def test_a_reader_sees_the_chain_as_sentences_and_no_yaml(school):
    policy = night_policy()
    reader = login(school.zhang).get(f"/escalation/policies/{policy.pk}/")
    body = reader.content.decode()
    assert reader.status_code == 200
    [chain] = chains(reader)  # the chain as a list of steps a person reads
    assert chain[:2] == ["宿舍长@宿舍 30分钟", "辅导员@班级 30分钟"]
    # Neither the YAML nor its keys and role codes, which only editors need.
    assert "<pre" not in body and "ack_minutes" not in body and "dorm_head" not in body
    editor = login(school.chen).get(f"/escalation/policies/{policy.pk}/").content.decode()
    assert "roles: [dorm_head]" in editor and "ack_minutes" in editor

"""Malformed plans are rejected with the file, the line and a Chinese message — every problem
at once, not just the first."""

import pytest

from shouwang.plans.loading import PlanError, parse_plan, plan_decision, plan_steps

from ..incidents.conftest import TEST_PLAN


def problems(text):
    with pytest.raises(PlanError) as caught:
        parse_plan(text, "bad.yaml")
    return caught.value.errors


def line_of(text, needle):
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_test_plan_is_valid():
    assert parse_plan(TEST_PLAN, "t.yaml")["id"] == "test_drill"


def test_yaml_syntax_error_names_the_line():
    [p] = problems("id: x\ntitle: [unclosed\nlevels: []\n")
    assert p.file == "bad.yaml" and p.line in (2, 3) and "YAML" in p.message


def test_a_typo_in_a_key_is_an_unknown_field_at_its_line():
    text = TEST_PLAN.replace("due_minutes: 15}", "due_minutse: 15}")
    found = problems(text)
    assert any("due_minutse" in p.message and p.line == line_of(text, "due_minutse") for p in found), found
    assert any('缺少必填项 "due_minutes"' in p.message for p in found)


def test_missing_required_field():
    text = TEST_PLAN.replace("title: 测试预案\n", "")
    [p] = problems(text)
    assert p.message == '缺少必填项 "title"'


def test_unknown_role_unknown_level_and_missing_position_all_reported():
    text = (TEST_PLAN.replace("roles: [counsellor]", "roles: [wizard]")
            .replace("at: college}", "at: galaxy}")
            .replace("{position: member}", "{position: member}".replace("member", "office"))
            .replace("levels: [I, II]}", "levels: [I, V]}"))
    found = problems(text)
    # "V" is not a level code at all: the schema names it; the rest wait for a valid shape.
    assert any(p.path.endswith("levels[1]") and "V" in p.message for p in found), found
    text = TEST_PLAN.replace("roles: [counsellor]", "roles: [wizard]").replace("at: college}", "at: galaxy}")
    text = text.replace("  - {position: member, title: 成员, roles: [security_officer], at: \"office:security\"}\n", "")
    found = problems(text)
    messages = {p.message for p in found}
    assert '角色 "wizard" 不存在' in messages
    assert any('层级 "galaxy" 无效' in m for m in messages)
    assert '领导小组中没有 "member" 这一职位' in messages
    wizard = next(p for p in found if "wizard" in p.message)
    assert wizard.line == line_of(text, "wizard")
    assert str(wizard).startswith(f"bad.yaml:{wizard.line}: phases[0].steps[0].responsible.roles[0]:")


def test_undeclared_level_duplicate_ids_empty_options_no_head():
    text = TEST_PLAN.replace("levels: [I, II]}", "levels: [I, IV]}").replace("id: tidy_up", "id: contain")
    found = problems(text)
    assert {p.message for p in found} >= {'级别 "IV" 未在 levels 中声明'}
    assert any('步骤 id "contain" 重复' in p.message for p in found)
    assert "至少需要 1 项" in {p.message for p in problems(TEST_PLAN.replace("options: [报警, 不报警]", "options: []"))}
    no_head = TEST_PLAN.replace("{position: head, title: 组长", "{position: deputy, title: 组长")
    assert any("组长" in p.message for p in problems(no_head))


def test_unknown_office_function_is_named():
    text = TEST_PLAN.replace('at: "office:security"', 'at: "office:spaceport"')
    [p] = problems(text)
    assert "spaceport" in p.message and p.line == line_of(text, "spaceport")


def test_plan_steps_filter_by_level_and_event_type():
    plan = parse_plan(TEST_PLAN)
    assert [s["id"] for s in plan_steps(plan, "III")] == ["contain", "report_head", "tidy_up"]
    assert [s["id"] for s in plan_steps(plan, "I", "fight")] == ["contain", "report_head", "investigate", "tidy_up"]
    assert "seal" in [s["id"] for s in plan_steps(plan, "I", "leak")]
    assert plan_steps(plan, "I")[0]["phase"] == "initial"
    assert plan_decision(plan, "police")["free_text"] is True and plan_decision(plan, "nope") is None


def test_aliases_and_oversized_files_are_refused_before_any_validation_work():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n"
    [p] = problems(bomb)
    assert "别名" in p.message and p.line == 1  # where the aliased anchor is
    [big] = problems("id: x\n" + "# padding\n" * 40_000)
    assert "过大" in big.message

"""Malformed plans are rejected with the file, the line and a Chinese message — every problem
at once, not just the first. Plain unit tests: no database."""

import json

import pytest
from jsonschema import Draft202012Validator

from shouwang.plans import loading
from shouwang.plans.loading import PlanError, PlanProblem, parse_plan, plan_decision, plan_steps

PLAN = """\
id: drill
title: 演练预案
levels:
  - {code: I, name: 特别重大}
  - {code: II, name: 重大}
  - {code: III, name: 较大}
event_types:
  - {code: leak, name: 试题泄密, level: I}
  - {code: fight, name: 斗殴}
command_group:
  - {position: head, title: 组长, roles: [school_leader], at: school}
  - {position: deputy, title: 副组长, roles: [leader], at: "office:student_affairs"}
  - {position: member, title: 成员, roles: [security_officer], at: "office:security"}
  - {position: office, title: 办公室, roles: [student_affairs_officer], \
at: "office:student_affairs"}
phases:
  - code: initial
    title: 先期处置
    steps:
      - id: contain
        title: 控制现场
        responsible: {roles: [counsellor], at: class}
        due_minutes: 15
      - id: report_head
        title: 报告组长
        responsible: {position: office}
        due_minutes: 10
      - id: seal
        title: 封存试卷
        responsible: {position: member}
        due_minutes: 30
        levels: [I]
        event_types: [leak]
  - code: onsite
    title: 现场处置
    steps:
      - id: investigate
        title: 调查
        instructions: |
          查清起因、过程和后果。
        responsible: {roles: [deputy_secretary], at: college}
        due_minutes: 60
        levels: [I, II]
      - id: tidy_up
        title: 整理记录
        responsible: {position: office}
        due_minutes: 120
        mandatory: false
decisions:
  - id: backup_paper
    title: 印制环节泄密
    event_types: [leak]
    authority: head
    free_text: false
    options: ["启用备用试题重新印制，考试照常举行", "重新命题，另外安排考试时间"]
  - {id: police, title: 是否报警, authority: group, free_text: true, options: [报警, 不报警]}
external_reports:
  - {id: authority, recipient: 上级教育主管部门, due_minutes: 60, levels: [I], \
responsible: {position: office}}
resources:
  - {kind: people, name: 安保人员, role: security_officer, quantity: 2}
  - {kind: material, name: 备用试卷, quantity: 1, unit: 套}
  - {kind: equipment, name: 无线电监测设备, quantity: 2, unit: 台}
"""


def problems(text, **known) -> list[PlanProblem]:
    with pytest.raises(PlanError) as caught:
        parse_plan(text, "bad.yaml", **known)
    found = caught.value.errors
    assert found and all(p.file == "bad.yaml" for p in found)
    assert str(caught.value) == "\n".join(str(p) for p in found)
    return found


def edit(old, new, text=PLAN):
    assert text.count(old) == 1, old
    return text.replace(old, new)


def line_of(text, needle):
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_the_schema_is_a_valid_draft_2020_12_schema():
    schema = json.loads((loading.HERE / "schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False


def test_the_drill_plan_is_valid():
    plan = parse_plan(PLAN, "drill.yaml")
    assert (
        plan["id"] == "drill"
        and plan["phases"][1]["steps"][0]["instructions"] == "查清起因、过程和后果。\n"
    )


def test_problem_text_names_file_line_path_and_message():
    problem = PlanProblem(
        "exam_security.yaml", 42, "phases[0].steps[1].responsible.roles[0]", '角色 "foo" 不存在'
    )
    assert (
        str(problem)
        == 'exam_security.yaml:42: phases[0].steps[1].responsible.roles[0]: 角色 "foo" 不存在'
    )
    assert str(PlanProblem("a.yaml", None, "", "预案文件过大")) == "a.yaml: 预案文件过大"


def test_yaml_syntax_error_names_the_line():
    [p] = problems("id: x\ntitle: [unclosed\nlevels: []\n")
    assert p.line in (2, 3) and p.message.startswith("YAML 语法错误")
    assert str(p).startswith(f"bad.yaml:{p.line}: YAML 语法错误")
    text = edit("    title: 先期处置\n", "\ttitle: 先期处置\n")
    [p] = problems(text)
    assert p.line == line_of(text, "\ttitle") and "Tab" in p.message


def test_a_typo_in_a_key_is_an_unknown_field_at_its_line():
    text = edit("        due_minutes: 120\n", "        due_minutse: 120\n")
    found = problems(text)
    typo = next(p for p in found if "due_minutse" in p.message)
    assert typo.line == line_of(text, "due_minutse")
    assert typo.path == "phases[1].steps[1].due_minutse"
    assert (
        typo.message.startswith('第 2 阶段第 2 步：未知字段 "due_minutse"')
        and '"due_minutes"' in typo.message
    )
    missing = next(p for p in found if "缺少必填项" in p.message)
    assert missing.message == '第 2 阶段第 2 步：缺少必填项 "due_minutes"'
    # A typo at the top level and inside a responsible person too.
    text = edit("title: 演练预案\n", "titel: 演练预案\n")
    assert any('未知字段 "titel"' in p.message and p.line == 2 for p in problems(text))
    text = edit(
        "responsible: {position: office}\n        due_minutes: 10",
        "responsible: {postion: office}\n        due_minutes: 10",
    )
    [p] = problems(text)
    assert (
        p.path.endswith("responsible.postion")
        and '"position"' in p.message
        and p.line == line_of(text, "postion")
    )


def test_missing_required_field():
    text = edit("title: 演练预案\n", "")
    [p] = problems(text)
    assert p.message == '缺少必填项 "title"' and p.line == 1 and p.path == ""
    text = edit(
        "  - {kind: people, name: 安保人员, role: security_officer, quantity: 2}",
        "  - {kind: people, name: 安保人员, quantity: 2}",
    )
    [p] = problems(text)
    assert (
        p.path == "resources[0]"
        and '缺少必填项 "role"' in p.message
        and p.line == line_of(text, "安保人员")
    )


def test_a_step_whose_role_does_not_exist():
    text = edit("roles: [counsellor]", "roles: [wizard]")
    [p] = problems(text)
    assert p.message == '第 1 阶段第 1 步：角色 "wizard" 不存在'
    assert p.line == line_of(text, "wizard")
    assert (
        str(p) == f"bad.yaml:{p.line}: phases[0].steps[0].responsible.roles[0]: "
        '第 1 阶段第 1 步：角色 "wizard" 不存在'
    )
    # The institution's own roles replace the shipped ones when given.
    assert parse_plan(text, known_roles=set(loading._shipped_roles()) | {"wizard"})["id"] == "drill"


def test_unknown_at():
    text = edit("at: college}", "at: galaxy}")
    [p] = problems(text)
    assert p.path == "phases[1].steps[0].responsible.at" and '层级 "galaxy" 无效' in p.message
    assert p.line == line_of(text, "galaxy")
    text = edit('at: "office:security"', 'at: "office:spaceport"')
    [p] = problems(text)
    assert (
        '"spaceport"' in p.message
        and p.line == line_of(text, "spaceport")
        and p.path == "command_group[2].at"
    )
    assert parse_plan(text, known_functions={"spaceport", "student_affairs"})["id"] == "drill"


def test_a_responsible_position_absent_from_the_group():
    text = edit(
        '  - {position: member, title: 成员, roles: [security_officer], at: "office:security"}\n',
        "",
    )
    [p] = problems(text)
    assert p.path == "phases[0].steps[2].responsible.position"
    assert p.message.startswith('第 1 阶段第 3 步：领导小组中没有 "member" 这一职位')
    assert p.line == line_of(text, "{position: member}")


def test_responsible_is_a_position_or_roles_at_a_level_not_both():
    text = edit("responsible: {position: member}", "responsible: {position: member, at: class}")
    [p] = problems(text)
    assert p.path == "phases[0].steps[2].responsible" and "二选一" in p.message
    text = edit(
        "responsible: {roles: [counsellor], at: class}", "responsible: {roles: [counsellor]}"
    )
    [p] = problems(text)
    assert '缺少必填项 "at"' in p.message


def test_a_level_not_declared():
    text = edit("        levels: [I, II]\n", "        levels: [I, IV]\n")
    [p] = problems(text)
    assert p.path == "phases[1].steps[0].levels[1]" and '级别 "IV" 未在 levels 中声明' in p.message
    assert p.line == line_of(text, "levels: [I, IV]")
    # Not a level code at all: the schema names it; the same place is not reported twice.
    text = edit("        levels: [I, II]\n", "        levels: [I, V]\n")
    [p] = problems(text)
    assert '"V"' in p.message and "I、II、III、IV" in p.message
    # Levels in external reports and event types are checked too, and their order.
    text = edit(
        "{id: authority, recipient: 上级教育主管部门, due_minutes: 60, levels: [I]",
        "{id: authority, recipient: 上级教育主管部门, due_minutes: 60, levels: [IV]",
    )
    [p] = problems(text)
    assert p.path == "external_reports[0].levels[0]"
    text = edit(
        "  - {code: I, name: 特别重大}\n  - {code: II, name: 重大}\n",
        "  - {code: II, name: 重大}\n  - {code: I, name: 特别重大}\n",
    )
    [p] = problems(text)
    assert p.path == "levels[1].code" and "最严重" in p.message


def test_undeclared_event_type():
    text = edit("        event_types: [leak]\n", "        event_types: [flood]\n")
    [p] = problems(text)
    assert (
        p.path == "phases[0].steps[2].event_types[0]"
        and '事件类型 "flood" 未在 event_types 中声明' in p.message
    )


def test_duplicate_step_ids():
    text = edit("id: tidy_up", "id: contain")
    [p] = problems(text)
    assert p.path == "phases[1].steps[1].id"
    assert p.message == '第 2 阶段第 2 步：步骤 id "contain" 重复（第 1 阶段第 1 步已使用）'
    assert p.line == [i for i, line in enumerate(text.splitlines(), 1) if "id: contain" in line][1]


def test_empty_and_repeated_options():
    text = edit("options: [报警, 不报警]", "options: []")
    [p] = problems(text)
    assert (
        p.path == "decisions[1].options" and p.message == '决策点第 2 项："options" 至少需要 1 项'
    )
    assert p.line == line_of(text, "options: []")
    [p] = problems(edit("options: [报警, 不报警]", "options: [报警, 报警]"))
    assert "重复" in p.message and '"报警"' in p.message


def test_no_head():
    text = edit("{position: head, title: 组长", "{position: deputy, title: 组长")
    [p] = problems(text)
    assert (
        p.path == "command_group"
        and "组长" in p.message
        and p.line == line_of(text, "{position: deputy, title: 组长")
    )


def test_a_position_written_as_a_list_or_a_mapping_is_a_problem_not_a_crash():
    # Anyone signed in may have a plan checked: {position: [head]} was a TypeError, a 500.
    for position in ("[head]", "{head: 1}"):
        text = edit("{position: head, title: 组长", "{position: " + position + ", title: 组长")
        found = problems(text)
        assert [p.path for p in found] == ["command_group", "command_group[0].position"]
        assert "组长" in found[0].message and "position" in found[1].message


def test_several_problems_are_all_reported_in_line_order():
    text = PLAN
    for old, new in [
        ("title: 演练预案\n", "titel: 演练预案\n"),  # unknown key + missing title
        ("roles: [counsellor]", "roles: [wizard]"),  # unknown role
        ("at: college}", "at: galaxy}"),  # unknown at
        ("        levels: [I, II]\n", "        levels: [I, IV]\n"),  # undeclared level
        ("id: tidy_up", "id: contain"),  # duplicate step id
        ("options: [报警, 不报警]", "options: []"),  # empty options
        ("{position: head, title: 组长", "{position: deputy, title: 组长"),  # no head
        ("due_minutes: 120", "due_minutes: 0"),
    ]:  # out of range
        text = edit(old, new, text)
    found = problems(text)
    messages = [p.message for p in found]
    for expected in [
        '未知字段 "titel"',
        '缺少必填项 "title"',
        '角色 "wizard" 不存在',
        '层级 "galaxy" 无效',
        '级别 "IV" 未在 levels 中声明',
        '步骤 id "contain" 重复',
        '"options" 至少需要 1 项',
        "领导小组必须至少有一名组长",
        '"due_minutes" 不能小于 1',
    ]:
        assert any(expected in m for m in messages), (expected, messages)
    assert len(found) == 9, messages
    assert [p.line for p in found] == sorted(p.line for p in found)
    assert all(p.line for p in found)


def test_not_a_mapping_aliases_duplicates_and_oversized_files():
    [p] = problems("")
    assert "映射" in p.message
    [p] = problems("- a\n- b\n")
    assert "映射" in p.message and p.line == 1
    bomb = (
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: [*b, *b, *b, *b]\n"
    )
    [p] = problems(bomb)
    assert "别名" in p.message and p.line == 1
    [big] = problems("id: x\n" + "# padding\n" * 40_000)
    assert "过大" in big.message
    text = PLAN + "title: 又一个标题\n"
    [p] = problems(text)
    assert "重复" in p.message and p.line == line_of(text, "又一个标题")
    [p] = problems("id: x\ntitle: !!python/object/apply:os.system [echo]\n")
    assert p.line == 2 and "YAML" in p.message


def test_plan_steps_filter_by_level_and_event_type():
    plan = parse_plan(PLAN)
    assert [s["id"] for s in plan_steps(plan, "III")] == ["contain", "report_head", "tidy_up"]
    assert [s["id"] for s in plan_steps(plan, "II")] == [
        "contain",
        "report_head",
        "investigate",
        "tidy_up",
    ]
    assert [s["id"] for s in plan_steps(plan, "I", "fight")] == [
        "contain",
        "report_head",
        "investigate",
        "tidy_up",
    ]
    assert [s["id"] for s in plan_steps(plan, "I", "leak")] == [
        "contain",
        "report_head",
        "seal",
        "investigate",
        "tidy_up",
    ]
    assert "seal" not in [s["id"] for s in plan_steps(plan, "II", "leak")]  # level still applies
    # No event type given: steps limited to event types are kept (one task too many, not one
    # missing).
    assert "seal" in [s["id"] for s in plan_steps(plan, "I")]
    steps = plan_steps(plan, "I", "leak")
    assert [s["phase"] for s in steps] == ["initial", "initial", "initial", "onsite", "onsite"]
    assert "phase" not in plan["phases"][0]["steps"][0]  # copies, the plan is untouched


def test_plan_decision():
    plan = parse_plan(PLAN)
    assert plan_decision(plan, "police")["free_text"] is True
    assert plan_decision(plan, "backup_paper")["options"][0] == "启用备用试题重新印制，考试照常举行"
    assert plan_decision(plan, "nope") is None

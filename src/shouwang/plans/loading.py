"""Plans as data (R-PLAN-1): parse a plan's YAML, validate it against schema.json and against
the institution (roles, offices, references inside the plan), and report every problem with the
file, the line and a Chinese message. Pure functions: no database unless the caller passes the
known roles and offices (plans.services does)."""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

HERE = Path(__file__).parent
UNIT_LEVELS = ("school", "college", "grade", "class", "dorm_building", "dorm_room")
DEFAULT_FUNCTIONS = frozenset({"student_affairs", "security", "psych", "publicity", "academic", "logistics", "network"})
PHASE_ORDER = ("initial", "onsite", "aftermath")
MAX_PLAN_BYTES = 256 * 1024


@dataclass(frozen=True)
class PlanProblem:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self):
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class PlanError(Exception):
    def __init__(self, errors: list[PlanProblem]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


def _first_alias(root):
    """The first node reached twice (an alias of an anchor), walking each node once."""
    seen, stack = set(), [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return node
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))
    return None


def library_dir() -> Path:
    return HERE / "library"


@cache
def _validator():
    return Draft202012Validator(json.loads((HERE / "schema.json").read_text(encoding="utf-8")))


@cache
def _shipped_roles() -> frozenset:
    with (HERE.parent / "org" / "roles.yaml").open(encoding="utf-8") as f:
        return frozenset(r["code"] for r in yaml.safe_load(f))


def _path_text(path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _Lines:
    """Maps a path inside the document to the line of its YAML node."""

    def __init__(self, text):
        try:
            self.root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            self.root = None

    def line(self, path) -> int | None:
        node, found = self.root, None
        if node is None:
            return None
        found = node.start_mark.line + 1
        for part in path:
            if isinstance(node, yaml.MappingNode):
                match = next((v for k, v in node.value if k.value == part), None)
                if match is None:
                    return found
                node = match
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
            else:
                return found
            found = node.start_mark.line + 1
        return found

    def key_line(self, path, key) -> int | None:
        """The line of an unknown key itself (a typo is found where it is written)."""
        node = self.root
        for part in path:
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if k.value == part), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
                node = node.value[part]
            else:
                node = None
            if node is None:
                return self.line(path)
        if isinstance(node, yaml.MappingNode):
            for k, _v in node.value:
                if k.value == key:
                    return k.start_mark.line + 1
        return self.line(path)


TYPE_NAMES = {"string": "文字", "integer": "整数", "array": "列表", "object": "映射（键: 值）", "boolean": "true 或 false"}


def _schema_message(error) -> tuple[list, str]:
    """A jsonschema error → (path, Chinese message)."""
    path, v = list(error.absolute_path), error.validator
    if v == "required":
        missing = error.message.split("'")[1]
        return path, f'缺少必填项 "{missing}"'
    if v == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return path, "未知字段 " + "、".join(f'"{k}"' for k in extra) + "（拼写是否有误？）"
    if v == "enum":
        return path, f'"{error.instance}" 不是允许的值，可选：' + "、".join(str(x) for x in error.validator_value)
    if v == "type":
        return path, f"应为{TYPE_NAMES.get(error.validator_value, error.validator_value)}"
    if v == "minItems":
        return path, f"至少需要 {error.validator_value} 项"
    if v == "uniqueItems":
        return path, "有重复的项"
    if v == "pattern":
        return path, f'"{error.instance}" 格式不对：只能用小写字母、数字和下划线，以字母开头'
    if v == "minLength":
        return path, "不能为空"
    if v in ("maxLength",):
        return path, f"太长（最多 {error.validator_value} 个字符）"
    if v == "minimum":
        return path, f"不能小于 {error.validator_value}"
    if v == "maximum":
        return path, f"不能大于 {error.validator_value}"
    if v == "oneOf":
        return path, '负责人应写成 {position: head|deputy|member|office} 或 {roles: [角色…], at: 层级}，二者选一'
    return path, error.message


def _semantic_problems(doc, known_roles, known_functions):
    """Checks a schema cannot express: names that must exist, references inside the plan."""
    problems = []

    def add(path, message):
        problems.append((path, message))

    def check_roles(path, roles):
        for i, role in enumerate(roles):
            if role not in known_roles:
                add([*path, i], f'角色 "{role}" 不存在')

    def check_at(path, at):
        if at in UNIT_LEVELS:
            return
        if at.startswith("office:") and at[7:] in known_functions:
            return
        if at.startswith("office:"):
            add(path, f'没有职能为 "{at[7:]}" 的部门，可选：' + "、".join(sorted(known_functions)))
        else:
            add(path, f'层级 "{at}" 无效，可选：' + "、".join(UNIT_LEVELS) + "，或 office:<部门职能>")

    levels = [lv["code"] for lv in doc["levels"]]
    for i, code in enumerate(levels):
        if code in levels[:i]:
            add(["levels", i, "code"], f'级别 "{code}" 重复')
    types = [t["code"] for t in doc.get("event_types", [])]
    for i, t in enumerate(doc.get("event_types", [])):
        if t["code"] in types[:i]:
            add(["event_types", i, "code"], f'事件类型 "{t["code"]}" 重复')
        if "level" in t and t["level"] not in levels:
            add(["event_types", i, "level"], f'级别 "{t["level"]}" 未在 levels 中声明')

    positions = {m["position"] for m in doc["command_group"]}
    if "head" not in positions:
        add(["command_group"], "领导小组必须有组长（position: head）")
    for i, m in enumerate(doc["command_group"]):
        check_roles(["command_group", i, "roles"], m["roles"])
        check_at(["command_group", i, "at"], m["at"])

    def check_responsible(path, responsible):
        if "position" in responsible:
            if responsible["position"] not in positions:
                add([*path, "position"], f'领导小组中没有 "{responsible["position"]}" 这一职位')
        else:
            check_roles([*path, "roles"], responsible["roles"])
            check_at([*path, "at"], responsible["at"])

    def check_levels(path, used):
        for j, lv in enumerate(used):
            if lv not in levels:
                add([*path, j], f'级别 "{lv}" 未在 levels 中声明')

    def check_types(path, used):
        for j, t in enumerate(used):
            if t not in types:
                add([*path, j], f'事件类型 "{t}" 未在 event_types 中声明')

    seen_steps, seen_phases = {}, []
    for p, phase in enumerate(doc["phases"]):
        if phase["code"] in seen_phases:
            add(["phases", p, "code"], f'阶段 "{phase["code"]}" 重复')
        elif seen_phases and PHASE_ORDER.index(phase["code"]) < PHASE_ORDER.index(seen_phases[-1]):
            add(["phases", p, "code"], "阶段顺序应为 initial（先期处置）→ onsite（现场处置）→ aftermath（善后）")
        seen_phases.append(phase["code"])
        for s, step in enumerate(phase["steps"]):
            path = ["phases", p, "steps", s]
            if step["id"] in seen_steps:
                add([*path, "id"], f'步骤 id "{step["id"]}" 重复（已用于 {seen_steps[step["id"]]}）')
            seen_steps.setdefault(step["id"], _path_text(path))
            check_responsible([*path, "responsible"], step["responsible"])
            check_levels([*path, "levels"], step.get("levels", []))
            check_types([*path, "event_types"], step.get("event_types", []))

    seen = set()
    for d, decision in enumerate(doc.get("decisions", [])):
        if decision["id"] in seen:
            add(["decisions", d, "id"], f'决策 id "{decision["id"]}" 重复')
        seen.add(decision["id"])
        check_types(["decisions", d, "event_types"], decision.get("event_types", []))
    seen = set()
    for r, duty in enumerate(doc.get("external_reports", [])):
        if duty["id"] in seen:
            add(["external_reports", r, "id"], f'报告 id "{duty["id"]}" 重复')
        seen.add(duty["id"])
        check_responsible(["external_reports", r, "responsible"], duty["responsible"])
        check_levels(["external_reports", r, "levels"], duty.get("levels", []))
    for r, resource in enumerate(doc.get("resources", [])):
        if resource.get("role") and resource["role"] not in known_roles:
            add(["resources", r, "role"], f'角色 "{resource["role"]}" 不存在')
    return problems


def parse_plan(text: str, filename: str = "<plan>", *, known_roles: set[str] | None = None,
               known_functions: set[str] | None = None) -> dict:
    """YAML → validated plan dict, or PlanError listing every problem with its line."""
    known_roles = set(known_roles) if known_roles is not None else set(_shipped_roles())
    known_functions = set(known_functions) if known_functions is not None else set(DEFAULT_FUNCTIONS)
    # Anyone signed in may have a plan checked: bound the work. A plan is a few KB, and it has no
    # use for YAML aliases, which would let a short text expand into a huge document to validate.
    if len(text.encode("utf-8")) > MAX_PLAN_BYTES:
        raise PlanError([PlanProblem(filename, None, "", f"预案文件过大（上限 {MAX_PLAN_BYTES // 1024} KB）")])
    try:
        repeated = _first_alias(yaml.compose(text, Loader=yaml.SafeLoader))
    except yaml.YAMLError:
        repeated = None  # the syntax error is reported below, with its line
    if repeated is not None:
        raise PlanError([PlanProblem(filename, repeated.start_mark.line + 1, "",
                                     "不支持 YAML 锚点和别名（& 和 *），请直接写出内容")])
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        raise PlanError([PlanProblem(filename, mark.line + 1 if mark else None, "", f"YAML 语法错误：{reason}")]) from None
    if not isinstance(doc, dict):
        raise PlanError([PlanProblem(filename, 1, "", "预案应是一个映射（以 id: …、title: … 开头）")])
    lines = _Lines(text)
    problems = []
    for error in sorted(_validator().iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        path, message = _schema_message(error)
        line = (lines.key_line(path, sorted(set(error.instance) - set(error.schema.get("properties", {})))[0])
                if error.validator == "additionalProperties" else lines.line(path))
        problems.append(PlanProblem(filename, line, _path_text(path), message))
    if not problems:  # the semantic checks assume the shape is right
        problems = [PlanProblem(filename, lines.line(path), _path_text(path), message)
                    for path, message in _semantic_problems(doc, known_roles, known_functions)]
    if problems:
        raise PlanError(problems)
    return doc


def builtin_plans() -> list[dict]:
    """Every plan in library/, parsed and validated, sorted by id."""
    plans = []
    for path in sorted(library_dir().glob("*.yaml")):
        plans.append(parse_plan(path.read_text(encoding="utf-8"), path.name))
    return sorted(plans, key=lambda p: p["id"])


def plan_steps(plan: dict, level: str, event_type: str | None = None) -> list[dict]:
    """The steps that apply at `level`, in phase order, each with its "phase". A step limited to
    event types applies when the incident is of one of them, or when no event type was chosen
    (better one task too many than a missing one)."""
    steps = []
    for phase in plan["phases"]:
        for step in phase["steps"]:
            if "levels" in step and level not in step["levels"]:
                continue
            if event_type and "event_types" in step and event_type not in step["event_types"]:
                continue
            steps.append({**step, "phase": phase["code"]})
    return steps


def plan_decision(plan: dict, decision_id: str) -> dict | None:
    return next((d for d in plan.get("decisions", []) if d["id"] == decision_id), None)

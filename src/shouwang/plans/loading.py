"""Plans as data (R-PLAN-1): parse a plan's YAML, validate it against schema.json and against
the institution (roles, offices, references inside the plan), and report every problem with the
file, the line and a Chinese message. Pure functions: no database unless the caller passes the
known roles and offices (plans.services does).

A problem is found in three passes, all reported together:
1. YAML syntax (stops there: without a document nothing else can be checked);
2. the JSON Schema (shape: required fields, unknown keys, types, allowed values);
3. meaning (names that must exist, references inside the plan, order of levels and phases),
   done defensively so that it also runs on a document whose shape is partly wrong.
"""

import difflib
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator

from shouwang import bounds

from .locating import Lines, duplicate_keys, field_name, first_alias, path_text, where
from .meaning import at_message, semantic_problems

HERE = Path(__file__).parent
DEFAULT_FUNCTIONS = frozenset(
    {"student_affairs", "security", "psych", "publicity", "academic", "logistics", "network"}
)
MAX_PLAN_BYTES = 256 * 1024
_TOO_DEEP = object()  # yaml.compose overflowed Python's recursion
TYPE_NAMES = {
    "string": "文字",
    "integer": "整数",
    "number": "数字",
    "array": "列表",
    "object": "映射（键: 值）",
    "boolean": "布尔值（true 或 false）",
    "null": "空值",
}


@dataclass(frozen=True)
class PlanProblem:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self):
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


def _problem(filename, line, path, message) -> PlanProblem:
    """A problem at `path`, its message led by where that is in words (第 3 阶段第 2 步：…)."""
    words = where(path)
    return PlanProblem(filename, line, path_text(path), f"{words}：{message}" if words else message)


class PlanError(Exception):
    """A plan that cannot be used; .errors lists every problem found, in line order."""

    def __init__(self, errors: list[PlanProblem]):
        self.errors = list(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def library_dir() -> Path:
    return HERE / "library"


@cache
def _schema() -> dict:
    return json.loads((HERE / "schema.json").read_text(encoding="utf-8"))


@cache
def _validator():
    return Draft202012Validator(_schema())


@cache
def _shipped_roles() -> frozenset:
    with (HERE.parent / "org" / "roles.yaml").open(encoding="utf-8") as f:
        return frozenset(r["code"] for r in yaml.safe_load(f))


# ---------------------------------------------------------------------------------------------
# YAML syntax


YAML_PROBLEMS = (  # PyYAML's words → what a plan author needs to hear
    ("cannot start any token", "不能用 Tab 缩进，请改用空格"),
    (
        "mapping values are not allowed here",
        "此处不能出现“键: 值”（冒号后是否缺空格，或缩进有误？）",
    ),
    ("could not find expected ':'", "缺少冒号“:”"),
    ("expected ',' or ']'", "方括号列表没有闭合（缺少“]”或“,”）"),
    ("expected ',' or '}'", "花括号映射没有闭合（缺少“}”或“,”）"),
    ("found unexpected end of stream", "引号没有闭合，文件意外结束"),
    ("did not find expected key", "缩进有误：此处应为一个键（键: 值）"),
    ("did not find expected '-' indicator", "缩进有误：此处应为列表项（以 - 开头）"),
    ("found undefined alias", "不支持 YAML 锚点和别名（& 和 *）"),
    ("could not determine a constructor", "不支持 YAML 标签（!!…）"),
    ("found duplicate anchor", "不支持 YAML 锚点和别名（& 和 *）"),
    ("expected <block end>", "缩进有误：同一层级的行应左端对齐"),
    ("sequence entries are not allowed here", "此处不能出现列表项（- …），缩进是否有误？"),
    ("expected the node content", "此处缺少内容"),
    ("found unhashable key", "键只能是简单的文字"),
)


def _syntax_problem(filename, exc) -> PlanProblem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    english = (getattr(exc, "problem", None) or str(exc)).strip()
    context = (getattr(exc, "context", None) or "").strip()
    chinese = next(
        (zh for en, zh in YAML_PROBLEMS if en in english or (context and en in context)), None
    )
    detail = f"{english}（{context}）" if context else english
    where = f"（第 {mark.column + 1} 列）" if mark else ""
    message = (
        f"YAML 语法错误{where}：{chinese}（{detail}）"
        if chinese
        else f"YAML 语法错误{where}：{detail}"
    )
    return PlanProblem(filename, mark.line + 1 if mark else None, "", message)


# ---------------------------------------------------------------------------------------------
# JSON Schema


def _allowed_keys(schema: dict) -> list[str]:
    return list(schema.get("properties", {}))


def _schema_problems(doc, lines: Lines, filename) -> list[PlanProblem]:
    """Each jsonschema error → one PlanProblem per thing to fix, at its line, in Chinese."""
    problems = []

    def add(path, line, message):
        problems.append(_problem(filename, line, path, message))

    for error in _validator().iter_errors(doc):
        path, v, field = (
            list(error.absolute_path),
            error.validator,
            field_name(list(error.absolute_path)),
        )
        instance = error.instance
        if v == "additionalProperties":
            allowed = _allowed_keys(error.schema)
            for key in sorted((k for k in instance if k not in allowed), key=str):
                guess = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
                hint = f'，是否应为 "{guess[0]}"？' if guess else "（拼写是否有误？）"
                add(
                    [*path, key],
                    lines.key_line(path, key),
                    f'未知字段 "{key}"{hint}可用的字段：' + "、".join(allowed),
                )
            continue
        if v == "required":
            match = re.match(r"'(.+)' is a required property", error.message)
            missing = match.group(1) if match else error.message
            hint = (
                "（人员类资源须写明角色 role）"
                if "then" in error.schema_path and missing == "role"
                else ""
            )
            add(path, lines.line(path), f'缺少必填项 "{missing}"{hint}')
            continue
        if v == "oneOf" and isinstance(instance, dict):  # responsible: position, or roles + at
            if any(k not in ("position", "roles", "at") for k in instance):
                continue  # the unknown key is reported on its own, with a suggestion
            if "position" in instance and ("roles" in instance or "at" in instance):
                message = (
                    "负责人只能二选一：写 position（领导小组中的职位），或写 "
                    "roles 和 at（某层级的角色）"
                )
            elif "roles" in instance:
                message = '缺少必填项 "at"（负责人写 roles 时须同时写明层级 at）'
            elif "at" in instance:
                message = '缺少必填项 "roles"（负责人写 at 时须同时写明角色 roles）'
            else:
                message = (
                    "负责人应写成 {position: head|deputy|member|office} "
                    "或 {roles: [角色…], at: 层级}"
                )
            add(path, lines.line(path), message)
            continue
        line = lines.line(path)
        if v == "enum":
            allowed = "、".join(str(x) for x in error.validator_value)
            add(path, line, f'"{field}" 的值 "{instance}" 不是允许的值，可选：{allowed}')
        elif v == "const":
            add(path, line, f'"{field}" 应为 "{error.validator_value}"')
        elif v == "type":
            expected = error.validator_value
            expected = (
                "或".join(TYPE_NAMES.get(t, t) for t in expected)
                if isinstance(expected, list)
                else TYPE_NAMES.get(expected, expected)
            )
            add(path, line, f'"{field}" 应为{expected}')
        elif v == "minItems":
            add(path, line, f'"{field}" 至少需要 {error.validator_value} 项')
        elif v == "maxItems":
            add(path, line, f'"{field}" 最多 {error.validator_value} 项')
        elif v == "uniqueItems":
            seen, repeated = [], []
            for item in instance:
                (repeated if item in seen else seen).append(item)
            add(path, line, f'"{field}" 中有重复的项：' + "、".join(f'"{r}"' for r in repeated))
        elif v == "pattern" and field == "at":
            add(path, line, at_message(instance, None))
        elif v == "pattern":
            add(
                path,
                line,
                f'"{field}" 的值 "{instance}" 格式不对：'
                "只能用小写英文字母、数字和下划线，以字母开头",
            )
        elif v == "minLength":
            add(path, line, f'"{field}" 不能为空')
        elif v == "maxLength":
            add(path, line, f'"{field}" 太长（最多 {error.validator_value} 个字符）')
        elif v == "minimum":
            add(path, line, f'"{field}" 不能小于 {error.validator_value}')
        elif v == "maximum":
            add(path, line, f'"{field}" 不能大于 {error.validator_value}')
        else:
            add(path, line, f'"{field}" 不符合格式要求（{error.message}）')
    return problems


# ---------------------------------------------------------------------------------------------
# Public API


def parse_plan(
    text: str,
    filename: str = "<plan>",
    *,
    known_roles: set[str] | None = None,
    known_functions: set[str] | None = None,
) -> dict:
    """YAML → validated plan dict, or PlanError listing every problem with its line.

    known_roles defaults to the role codes shipped in org/roles.yaml, known_functions to the
    shipped office functions; plans.services passes the institution's own."""
    known_roles = set(known_roles) if known_roles is not None else set(_shipped_roles())
    known_functions = (
        set(known_functions) if known_functions is not None else set(DEFAULT_FUNCTIONS)
    )
    # Anyone signed in may have a plan checked: bound the work. A plan is a few KB, and it has no
    # use for YAML aliases, which would let a short text expand into a huge document to validate.
    if len(text.encode("utf-8")) > MAX_PLAN_BYTES:
        raise PlanError(
            [PlanProblem(filename, None, "", f"预案文件过大（上限 {MAX_PLAN_BYTES // 1024} KB）")]
        )
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise PlanError([_syntax_problem(filename, exc)]) from None
    except RecursionError:
        root = _TOO_DEEP
    if root is _TOO_DEEP or bounds.yaml_node_too_deep(root):
        raise PlanError(
            [PlanProblem(filename, None, "", f"预案嵌套过深（上限 {bounds.MAX_YAML_DEPTH} 层）")]
        )
    repeated = first_alias(root)
    if repeated is not None:
        raise PlanError(
            [
                PlanProblem(
                    filename,
                    repeated.start_mark.line + 1,
                    "",
                    "不支持 YAML 锚点和别名（& 和 *），请直接写出内容",
                )
            ]
        )
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:  # e.g. a tag no safe constructor knows
        raise PlanError([_syntax_problem(filename, exc)]) from None
    if not isinstance(doc, dict):
        raise PlanError(
            [
                PlanProblem(
                    filename,
                    root.start_mark.line + 1 if root is not None else 1,
                    "",
                    "预案应是一个映射（以 id: …、title: … 开头）",
                )
            ]
        )
    lines = Lines(root)
    problems = [
        _problem(
            filename,
            key.start_mark.line + 1,
            [*path, key.value],
            f'字段 "{key.value}" 重复（第 {first} 行已写过）',
        )
        for path, key, first in duplicate_keys(root)
    ]
    problems += _schema_problems(doc, lines, filename)
    # Meaning, except where the schema already named a problem at the very same place.
    taken = {p.path for p in problems}
    for path, message in semantic_problems(doc, known_roles, known_functions):
        if path_text(path) in taken:
            continue
        problems.append(_problem(filename, lines.line(path), path, message))
    if problems:
        raise PlanError(sorted(problems, key=lambda p: (p.line or 0, p.path)))
    return doc


def builtin_plans() -> list[dict]:
    """Every plan in library/, parsed and validated, sorted by id. Each id must equal its file's
    stem and so be unique; every problem of every file is reported at once."""
    plans, problems = [], []
    for path in sorted(library_dir().glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        try:
            plan = parse_plan(text, path.name)
        except PlanError as exc:
            problems += exc.errors
            continue
        if plan["id"] != path.stem:
            line = Lines(yaml.compose(text, Loader=yaml.SafeLoader)).line(["id"])
            problems.append(
                PlanProblem(
                    path.name, line, "id", f'预案 id "{plan["id"]}" 应与文件名 "{path.stem}" 一致'
                )
            )
        plans.append(plan)
    if problems:
        raise PlanError(problems)
    return sorted(plans, key=lambda p: p["id"])


def plan_steps(plan: dict, level: str, event_type: str | None = None) -> list[dict]:
    """The steps that apply at `level`, in phase order, each a copy with its "phase" added. A step
    limited to levels applies at those levels only; a step limited to event types applies when the
    incident is of one of them, or when no event type was given (better one task too many than a
    missing one)."""
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
    """The decision point with that id, or None."""
    return next((d for d in plan.get("decisions", []) if d["id"] == decision_id), None)

"""The checks of a plan's meaning a schema cannot express: names that must exist (roles, offices,
levels of the unit tree), references inside the plan (levels, event types, command-group
positions), ids that must be unique, and the order of levels and phases. One function per
section of the plan, in the order of the document; all done defensively, so that they also
run on a document whose shape is partly wrong (the schema reports that).
"""

from .locating import where

# "at": a unit kind that is an ancestor-or-self of the incident's unit, or "office:<function>"
# (the vocabulary of escalation/policies.yaml).
UNIT_LEVELS = ("school", "college", "grade", "class", "dorm_building", "dorm_room")
PHASE_ORDER = ("initial", "onsite", "aftermath")
LEVEL_ORDER = ("I", "II", "III", "IV")
POSITIONS = ("head", "deputy", "member", "office")


def at_message(at, known_functions) -> str:
    if isinstance(at, str) and at.startswith("office:") and known_functions is not None:
        return f'没有职能为 "{at[7:]}" 的部门，可选：' + "、".join(sorted(known_functions))
    return (
        f'层级 "{at}" 无效，可选：'
        + "、".join(UNIT_LEVELS)
        + "，或 office:<部门职能>（如 office:security）"
    )


def _items(value):
    """(index, item) for the mappings in a list; nothing for anything else (the schema says why)."""
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _strings(value):
    return (
        [(i, item) for i, item in enumerate(value) if isinstance(item, str)]
        if isinstance(value, list)
        else []
    )


class _Checks:
    """What the sections share: the institution's roles and offices, the names the plan has
    declared so far (levels, event types, positions), and the problems found, in order."""

    def __init__(self, known_roles, known_functions):
        self.known_roles, self.known_functions = known_roles, known_functions
        self.levels: list[str] = []
        self.types: list[str] = []
        self.positions: set = set()
        self.problems: list[tuple[list, str]] = []

    def add(self, path, message):
        self.problems.append((path, message))

    def role(self, path, role):
        if isinstance(role, str) and role not in self.known_roles:
            self.add(path, f'角色 "{role}" 不存在')

    def roles(self, path, roles):
        for i, role in _strings(roles):
            self.role([*path, i], role)

    def at(self, path, at):
        if not isinstance(at, str) or at in UNIT_LEVELS:
            return
        if at.startswith("office:") and at[7:] in self.known_functions:
            return
        self.add(path, at_message(at, self.known_functions if at.startswith("office:") else None))

    def level(self, path, level):
        # No level declared validly: the schema has said why.
        if isinstance(level, str) and self.levels and level not in self.levels:
            self.add(path, f'级别 "{level}" 未在 levels 中声明，已声明：' + "、".join(self.levels))

    def level_refs(self, path, used):
        for j, level in _strings(used):
            self.level([*path, j], level)

    def type_refs(self, path, used):
        for j, code in _strings(used):
            if code not in self.types:
                self.add([*path, j], f'事件类型 "{code}" 未在 event_types 中声明')

    def responsible(self, path, responsible):
        """A position of the command group, or roles at a level."""
        if not isinstance(responsible, dict):
            return
        position = responsible.get("position")
        declared = self.positions & set(POSITIONS)
        if declared and position in POSITIONS and position not in self.positions:
            self.add(
                [*path, "position"],
                f'领导小组中没有 "{position}" 这一职位，已有：'
                + "、".join(p for p in POSITIONS if p in self.positions),
            )
        self.roles([*path, "roles"], responsible.get("roles"))
        self.at([*path, "at"], responsible.get("at"))

    def unique_id(self, path, item, seen, what):
        """An item's id, unique within its kind; `seen` maps an id to where it was first used."""
        item_id = item.get("id")
        if isinstance(item_id, str):
            if item_id in seen:
                self.add([*path, "id"], f'{what} id "{item_id}" 重复（{seen[item_id]}已使用）')
            seen.setdefault(item_id, where(path))


def _levels(check: _Checks, levels):
    """Declared once each, most severe first."""
    declared = check.levels
    for i, level in _items(levels):
        code = level.get("code")
        if not isinstance(code, str):
            continue
        if code in declared:
            check.add(["levels", i, "code"], f'级别 "{code}" 重复')
        elif (
            code in LEVEL_ORDER
            and declared
            and declared[-1] in LEVEL_ORDER
            and LEVEL_ORDER.index(code) < LEVEL_ORDER.index(declared[-1])
        ):
            check.add(["levels", i, "code"], "级别应从最严重到最轻依次排列（I、II、III、IV）")
        declared.append(code)


def _event_types(check: _Checks, event_types):
    """Declared once each, at a declared level."""
    for i, event_type in _items(event_types):
        code = event_type.get("code")
        if isinstance(code, str):
            if code in check.types:
                check.add(["event_types", i, "code"], f'事件类型 "{code}" 重复')
            check.types.append(code)
        check.level(["event_types", i, "level"], event_type.get("level"))


def _command_group(check: _Checks, group):
    """R-ORG-3: at least one head; every role and level named must exist."""
    members = _items(group)
    # Only names count; a list or mapping written there is the schema's to report.
    positions = (m.get("position") for _i, m in members)
    check.positions = {p for p in positions if isinstance(p, str)}
    if isinstance(group, list) and group and "head" not in check.positions:
        check.add(["command_group"], "领导小组必须至少有一名组长（position: head）")
    for i, member in members:
        check.roles(["command_group", i, "roles"], member.get("roles"))
        check.at(["command_group", i, "at"], member.get("at"))


def _phases(check: _Checks, phases):
    """In the order initial → onsite → aftermath, each once; step ids unique across the plan."""
    seen_phases: list[str] = []
    seen_steps: dict[str, str] = {}
    for p, phase in _items(phases):
        code = phase.get("code")
        if code in PHASE_ORDER:
            if code in seen_phases:
                check.add(["phases", p, "code"], f'阶段 "{code}" 重复')
            elif seen_phases and PHASE_ORDER.index(code) < PHASE_ORDER.index(seen_phases[-1]):
                check.add(
                    ["phases", p, "code"],
                    "阶段顺序应为 initial（先期处置）→ onsite（现场处置）→ aftermath（善后）",
                )
            seen_phases.append(code)
        _steps(check, p, phase.get("steps"), seen_steps)


def _steps(check: _Checks, p, steps, seen_steps):
    """A phase's steps: who is responsible, at which levels and for which event types."""
    for s, step in _items(steps):
        path = ["phases", p, "steps", s]
        check.unique_id(path, step, seen_steps, "步骤")
        check.responsible([*path, "responsible"], step.get("responsible"))
        check.level_refs([*path, "levels"], step.get("levels"))
        check.type_refs([*path, "event_types"], step.get("event_types"))


def _decisions(check: _Checks, decisions):
    seen: dict[str, str] = {}
    for d, decision in _items(decisions):
        check.unique_id(["decisions", d], decision, seen, "决策点")
        check.type_refs(["decisions", d, "event_types"], decision.get("event_types"))


def _external_reports(check: _Checks, reports):
    seen: dict[str, str] = {}
    for r, duty in _items(reports):
        check.unique_id(["external_reports", r], duty, seen, "对外报告")
        check.responsible(["external_reports", r, "responsible"], duty.get("responsible"))
        check.level_refs(["external_reports", r, "levels"], duty.get("levels"))


def _resources(check: _Checks, resources):
    for r, resource in _items(resources):
        check.role(["resources", r, "role"], resource.get("role"))


# In the order of the document; later sections refer to what earlier ones declare.
SECTIONS = (
    ("levels", _levels),
    ("event_types", _event_types),
    ("command_group", _command_group),
    ("phases", _phases),
    ("decisions", _decisions),
    ("external_reports", _external_reports),
    ("resources", _resources),
)


def semantic_problems(doc: dict, known_roles, known_functions) -> list[tuple[list, str]]:
    """[(path, message)] for every problem of meaning, section by section."""
    check = _Checks(known_roles, known_functions)
    for key, section in SECTIONS:
        section(check, doc.get(key))
    return check.problems

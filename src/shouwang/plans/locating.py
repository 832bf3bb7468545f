"""Where a problem in a plan is: a path inside the document as text (phases[2].steps[1].id), in
words a plan author reads (第 3 阶段第 2 步), and the line of its YAML node; and the things only
the node tree shows (aliases, keys written twice).
"""

import yaml

SECTION_NAMES = {
    "levels": "级别",
    "event_types": "事件类型",
    "command_group": "领导小组",
    "decisions": "决策点",
    "external_reports": "对外报告",
    "resources": "资源",
}


def path_text(path) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def where(path) -> str:
    """Where in the plan, in words a plan author reads: 第 3 阶段第 2 步, 领导小组第 1 项."""
    if len(path) < 2 or not isinstance(path[1], int):
        return ""
    if path[0] == "phases":
        words = f"第 {path[1] + 1} 阶段"
        if len(path) >= 4 and path[2] == "steps" and isinstance(path[3], int):
            words += f"第 {path[3] + 1} 步"
        return words
    if path[0] in SECTION_NAMES:
        return f"{SECTION_NAMES[path[0]]}第 {path[1] + 1} 项"
    return ""


def field_name(path) -> str:
    """The name of the field a path ends in (or is inside of, for a list item)."""
    return next((str(p) for p in reversed(path) if isinstance(p, str)), "")


class Lines:
    """Maps a path inside the document to the line of its YAML node."""

    def __init__(self, root):
        self.root = root

    def _walk(self, path):
        """The node at `path`, or the deepest ancestor found, and whether it was found."""
        node = self.root
        if node is None:
            return None, False
        for part in path:
            child = None
            if isinstance(node, yaml.MappingNode):
                # The last of duplicated keys wins, as in the loaded document.
                child = next(
                    (v for k, v in reversed(node.value) if getattr(k, "value", None) == part), None
                )
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(part, int)
                and part < len(node.value)
            ):
                child = node.value[part]
            if child is None:
                return node, False
            node = child
        return node, True

    def line(self, path) -> int | None:
        node, _found = self._walk(path)
        return node.start_mark.line + 1 if node is not None else None

    def key_line(self, path, key) -> int | None:
        """The line of a key itself (a typo is found where it is written)."""
        node, found = self._walk(path)
        if found and isinstance(node, yaml.MappingNode):
            for k, _v in node.value:
                if getattr(k, "value", None) == key:
                    return k.start_mark.line + 1
        return self.line(path)


def first_alias(root):
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


def duplicate_keys(root):
    """[(path, key node, first line)] for each key written twice in the same mapping: YAML keeps
    the last silently, so half of what the author wrote would be lost without a word."""
    found, stack = [], [(root, [])] if root is not None else []
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, [*path, i]) for i, child in enumerate(node.value))
        elif isinstance(node, yaml.MappingNode):
            first = {}
            for key, value in node.value:
                name = getattr(key, "value", None)
                if isinstance(key, yaml.ScalarNode) and name in first:
                    found.append((path, key, first[name]))
                else:
                    first.setdefault(name, key.start_mark.line + 1)
                stack.append((value, [*path, name]))
    return found

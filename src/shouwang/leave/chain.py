"""The approval chain (chain.yaml), loaded once and validated: a broken file fails at start-up,
not on a student's request."""

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import yaml

CHAIN_FILE = Path(__file__).with_name("chain.yaml")


@dataclass(frozen=True)
class Chain:
    term_days: int
    decide_hours: int
    escalate_hours: int
    return_grace_hours: int
    rules: tuple[tuple[int | None, tuple[str, ...]], ...]
    off_campus_steps: tuple[str, ...]

    @property
    def max_days(self) -> float:
        """Longer than a third of a term is 休学, not leave."""
        return self.term_days / 3

    def steps_for(self, days: int) -> tuple[str, ...]:
        for up_to, steps in self.rules:
            if up_to is None or days <= up_to:
                return steps
        raise ValueError(days)  # unreachable: validate() requires a last open rule


def leave_days(start, end) -> int:
    """Days a leave counts for: started days, so 3 hours is 1 day and 25 hours is 2."""
    return max(1, math.ceil((end - start).total_seconds() / 86400))


def validate(data: dict, role_codes=None) -> Chain:
    """A Chain from the parsed YAML, or ValueError saying what is wrong."""
    if not isinstance(data, dict):
        raise ValueError("the chain must be a mapping")
    try:
        numbers = {
            k: int(data[k])
            for k in ("term_days", "decide_hours", "escalate_hours", "return_grace_hours")
        }
    except (KeyError, TypeError, ValueError) as e:
        raise ValueError(f"missing or non-integer setting: {e}") from e
    if any(v <= 0 for v in numbers.values()):
        raise ValueError("settings must be positive")
    rules = []
    last = 0
    for i, rule in enumerate(data.get("rules") or []):
        up_to = rule.get("up_to_days")
        steps = tuple(rule.get("steps") or ())
        if not steps:
            raise ValueError(f"rule {i + 1} has no steps")
        if up_to is not None:
            if int(up_to) <= last:
                raise ValueError(f"rule {i + 1}: up_to_days must increase")
            last = int(up_to)
        elif i != len(data["rules"]) - 1:
            raise ValueError("only the last rule may be open-ended (up_to_days: null)")
        rules.append((None if up_to is None else int(up_to), steps))
    if not rules or rules[-1][0] is not None:
        raise ValueError("the last rule must be open-ended (up_to_days: null)")
    off = tuple(data.get("off_campus_steps") or ())
    if not off:
        raise ValueError("off_campus_steps is empty")
    if role_codes is not None:
        unknown = {r for _u, s in rules for r in s} | set(off)
        unknown -= set(role_codes)
        if unknown:
            raise ValueError(f"unknown roles: {', '.join(sorted(unknown))}")
    return Chain(rules=tuple(rules), off_campus_steps=off, **numbers)


@functools.cache
def chain() -> Chain:
    with CHAIN_FILE.open(encoding="utf-8") as f:
        return validate(yaml.safe_load(f))

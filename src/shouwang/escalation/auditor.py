"""Looks for what should have happened (Grafana OnCall added one after losing escalations).
With claim, act and record in one transaction the registered checks should never find
anything; if one does, its repair says so on the subject's timeline and puts the missing
deadline back so the chain moves on. Checks are registered by the subject apps (kinds.py)."""

from . import kinds


def route_audit(*, now, **kwargs) -> int:
    """Run every registered repair; how many subjects were put right."""
    return sum(check.repair(now=now) for check in kinds.CHECKS.values())


def audit_warnings() -> list[str]:
    """What check-deploy says for each registered check that finds subjects in a wrong state."""
    warnings = []
    for check in kinds.CHECKS.values():
        found = check.find()
        if found:
            warnings.append(check.warning.format(n=len(found)))
    return warnings

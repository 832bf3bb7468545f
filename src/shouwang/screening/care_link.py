"""Where screening meets the care ledger (care sits below screening): the risk factors a file
may name, and a flagged student's file opened or updated through care's own service."""

from shouwang.care import tiers
from shouwang.care.models import Via
from shouwang.care.services import care_file_open_or_update


def risk_factor_codes_by_name() -> dict[str, str]:
    """Each risk factor by its Chinese name, its code and its English name (lower case)."""
    found = {}
    for factor in tiers.risk_factors():
        found[factor["code"]] = factor["code"]
        found[factor["name"]] = factor["code"]
        if factor.get("name_en"):
            found[factor["name_en"].lower()] = factor["code"]
    return found


def care_file_for_screening(*, actor, student, round, details: dict, now):
    """Open the flagged student's care file, or add this round's result to theirs. The result
    goes into the file (encrypted there too); the file's event names no score."""
    return care_file_open_or_update(
        actor=actor,
        student=student,
        via=Via.SCREENING,
        risk_factors=details["risk_factors"],
        screening={
            "round": round.pk,
            "term": round.term,
            "instrument": round.instrument,
            "held_on": round.held_on.isoformat(),
            "flag": details["flag"],
            "scores": details["scores"],
        },
        now=now,
    )

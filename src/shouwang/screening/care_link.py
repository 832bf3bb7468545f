"""Where screening meets the care ledger (care sits below screening): the risk factors a file
may name, and the flagged students' files opened or updated through care's own (batched) service."""

from shouwang.care import tiers
from shouwang.care.models import Via
from shouwang.care.services import care_files_open_or_update


def risk_factor_codes_by_name() -> dict[str, str]:
    """Each risk factor by its Chinese name, its code and its English name (lower case)."""
    found = {}
    for factor in tiers.risk_factors():
        found[factor["code"]] = factor["code"]
        found[factor["name"]] = factor["code"]
        if factor.get("name_en"):
            found[factor["name_en"].lower()] = factor["code"]
    return found


def care_files_for_screening(*, actor, round, flagged, now) -> list:
    """Open each flagged student's care file, or add this round's result to theirs, in one
    batch: `flagged` is [(student, details)], the files come back in that order. The result
    goes into the file (encrypted there too); the files' events name no score."""
    screening = {
        "round": round.pk,
        "term": round.term,
        "instrument": round.instrument,
        "held_on": round.held_on.isoformat(),
    }
    return care_files_open_or_update(
        actor=actor,
        items=[
            {
                "student": student,
                "via": Via.SCREENING,
                "risk_factors": details["risk_factors"],
                "screening": {**screening, "flag": details["flag"], "scores": details["scores"]},
            }
            for student, details in flagged
        ],
        now=now,
    )

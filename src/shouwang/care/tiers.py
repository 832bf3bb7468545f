"""What each crisis tier requires (seed 003 §4(三)), as data: the tasks raising a file to the
tier creates, who does them, and how long they have. Also the risk factors' list."""

from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from pathlib import Path

import yaml
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .models import Tier

RISK_FACTORS_FILE = Path(__file__).with_name("risk_factors.yaml")


@cache
def _risk_factors() -> tuple[dict, ...]:
    with RISK_FACTORS_FILE.open(encoding="utf-8") as f:
        return tuple(yaml.safe_load(f))


def risk_factors() -> list[dict]:
    return list(_risk_factors())


def risk_factor_codes() -> set[str]:
    return {f["code"] for f in _risk_factors()}


def risk_factor_label(code: str) -> str:
    for f in _risk_factors():
        if f["code"] == code:
            if translation.get_language() == "en":
                return f["name_en"]
            return f["name"]
    return code


@dataclass(frozen=True)
class TaskKind:
    code: str
    title: object  # a lazy translation
    role: str  # "counsellor" (the class's counsellors and class teachers) or "psych"
    within: timedelta
    needs_scan: bool = False


TASKS: dict[str, tuple[TaskKind, ...]] = {
    Tier.NONE: (),
    Tier.GENERAL: (
        TaskKind(
            "class_record",
            _("Record the case at class level (班级备案)"),
            "counsellor",
            timedelta(days=1),
        ),
        TaskKind(
            "regular_counselling",
            _("Arrange regular counselling with the psych teacher"),
            "psych",
            timedelta(days=7),
        ),
    ),
    Tier.SEVERE: (
        TaskKind(
            "parents_called", _("Call the parents to the school"), "counsellor", timedelta(hours=24)
        ),
        TaskKind("referral", _("Refer the student for diagnosis"), "psych", timedelta(days=3)),
        TaskKind(
            "guardian_handover",
            _("Safety-responsibility handover signed by the guardian"),
            "counsellor",
            timedelta(days=3),
            needs_scan=True,
        ),
    ),
    Tier.DISORDER: (
        TaskKind(
            "parents_notified", _("Notify the parents at once"), "counsellor", timedelta(hours=1)
        ),
        TaskKind(
            "supervision_roster",
            _("Set up full-time supervision (roster)"),
            "counsellor",
            timedelta(hours=4),
        ),
        TaskKind(
            "guardian_handover",
            _("Safety-responsibility handover signed by the guardian"),
            "counsellor",
            timedelta(days=1),
            needs_scan=True,
        ),
        TaskKind(
            "medical_transfer", _("Transfer to a medical institution"), "psych", timedelta(days=2)
        ),
    ),
}

# The shipped psychological-crisis plan's level for a tier (plans/library/psych_crisis.yaml).
PLAN_CODE = "psych_crisis"
PLAN_LEVELS: dict[str, str] = {Tier.GENERAL: "III", Tier.SEVERE: "II", Tier.DISORDER: "I"}

# A reminder goes out when this share of the time is gone; overdue at the due time.
REMIND_AT = 0.5


# 休学 / 复学 (seed 003 §4(三): a 严重心理危机 may lead to 休学): asked for on the file by those who
# work on it, carried out by 学生处 / 教务处 on their status-request page, who see the class and the
# change, never the file. A task like the tiers' (reminder, overdue), done by the "status" role.
STATUS_ROLE = "status"
STATUS_CHANGES: dict[str, TaskKind] = {
    "suspend": TaskKind(
        "status_suspend", _("休学: suspend the student's studies"), STATUS_ROLE, timedelta(days=7)
    ),
    "reinstate": TaskKind(
        "status_reinstate", _("复学: reinstate the student"), STATUS_ROLE, timedelta(days=7)
    ),
}
# The student status each request sets, and the status it starts from.
STATUS_TARGET = {"status_suspend": "suspended", "status_reinstate": "enrolled"}
STATUS_FROM = {"status_suspend": "enrolled", "status_reinstate": "suspended"}
SUSPEND_TIERS = (Tier.SEVERE, Tier.DISORDER)


def task_kind(code: str) -> TaskKind | None:
    for kinds in (*TASKS.values(), tuple(STATUS_CHANGES.values())):
        for k in kinds:
            if k.code == code:
                return k
    return None

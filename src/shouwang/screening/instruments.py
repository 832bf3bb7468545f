"""What a screening file holds, per instrument: each column's Chinese header (and the headers
screening software writes for it), the range its scores may take, and the instrument's flag —
read from the file's 筛查结果 column when the software wrote one, computed by the instrument's
published rule otherwise.

UPI (大学生人格问卷): 60 items, 56 scored 0/1, so a total of 0–64 with the four lie-scale items
counted by some software; 一类 (total ≥ 25, or item 25 "想轻生" answered yes) must be seen,
二类 (total 20–24) is followed, 三类 is not flagged.
SCL-90 (症状自评量表): ten factor means of 1–5; 阳性 when the total is ≥ 160, or more than 43
items are positive, or any factor mean is ≥ 2.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from shouwang.sheets import Column, Invalid, cell_text, choice, identifier, number, text

from .models import Instrument


def _risk_factors(raw) -> tuple[str, ...]:
    parts = [p for p in re.split(r"[、,，;；\s]+", cell_text(raw)) if p]
    if len(parts) > 20:
        raise Invalid(_("At most 20 risk factors."))
    if any(len(p) > 30 for p in parts):
        raise Invalid(_("A risk factor has at most 30 characters."))
    return tuple(dict.fromkeys(parts))


STUDENT_NO = Column(
    "学号",
    "student_no",
    True,
    identifier(r"^[A-Za-z0-9]{4,20}$", lambda: _("%(value)s is not a valid student number.")),
    "2024010101",
    True,
    aliases=("学生学号", "考号"),
)
NAME = Column("姓名", "name", False, text(50), "张三", aliases=("学生姓名",))
RISKS = Column(
    "风险因素",
    "risk_factors",
    False,
    _risk_factors,
    "学业就业压力、经济困难",
    default=(),
    aliases=("风险因子", "风险因素（可多选）"),
)

UPI_FLAGS = {"一类": "一类", "二类": "二类", "三类": "三类", "1": "一类", "2": "二类", "3": "三类"}
SCL_FLAGS = {"阳性": "阳性", "阴性": "阴性", "positive": "阳性", "negative": "阴性"}
YES_NO = {"1": 1, "0": 0, "是": 1, "否": 0, "yes": 1, "no": 0}

# SCL-90's ten factors: field, Chinese header.
SCL_FACTORS = [
    ("somatization", "躯体化"),
    ("obsessive", "强迫症状"),
    ("interpersonal", "人际关系敏感"),
    ("depression", "抑郁"),
    ("anxiety", "焦虑"),
    ("hostility", "敌对"),
    ("phobic", "恐怖"),
    ("paranoid", "偏执"),
    ("psychoticism", "精神病性"),
    ("other", "其他"),
]


@dataclass(frozen=True)
class Spec:
    instrument: str
    columns: list[Column]
    scores: tuple[str, ...]  # the fields kept as scores
    flags: tuple[str, ...]  # the instrument's flag values, the flagged ones first
    flagged: frozenset[str]

    def flag(self, v: dict) -> str:
        """The file's flag when it has one, else the instrument's rule."""
        if v.get("flag"):
            return v["flag"]
        if self.instrument == Instrument.UPI:
            if v["total"] >= 25 or v.get("item25") == 1:
                return "一类"
            return "二类" if v["total"] >= 20 else "三类"
        factors = [v[f] for f, _h in SCL_FACTORS if v.get(f) is not None]
        total, positive = v.get("total"), v.get("positive_items")
        if (
            (total is not None and total >= 160)
            or (positive is not None and positive > 43)
            or any(m >= 2 for m in factors)
        ):
            return "阳性"
        return "阴性"


def _flag_column(mapping, words):
    return Column(
        "筛查结果",
        "flag",
        False,
        choice(mapping, lambda: _("The result must be one of %(words)s.") % {"words": words}),
        "",
        aliases=("筛查类别", "结果", "类别", "预警等级"),
    )


SPECS: dict[str, Spec] = {
    Instrument.UPI: Spec(
        Instrument.UPI,
        [
            STUDENT_NO,
            NAME,
            Column(
                "总分",
                "total",
                True,
                number(0, 64, whole=True),
                "18",
                aliases=("UPI总分", "得分"),
            ),
            Column(
                "第25题",
                "item25",
                False,
                choice(YES_NO, lambda: _("Item 25 is answered 1 (yes) or 0 (no).")),
                "0",
                default=None,
                aliases=("25题", "第25题（想轻生）"),
            ),
            _flag_column(UPI_FLAGS, "一类、二类、三类"),
            RISKS,
        ],
        ("total", "item25"),
        ("一类", "二类", "三类"),
        frozenset({"一类", "二类"}),
    ),
    Instrument.SCL90: Spec(
        Instrument.SCL90,
        [
            STUDENT_NO,
            NAME,
            *[
                Column(header, field, True, number(1, 5), "1.5", aliases=(f"{header}因子",))
                for field, header in SCL_FACTORS
            ],
            Column(
                "总分",
                "total",
                False,
                number(90, 450, whole=True),
                "135",
                default=None,
                aliases=("SCL总分",),
            ),
            Column(
                "阳性项目数",
                "positive_items",
                False,
                number(0, 90, whole=True),
                "20",
                default=None,
                aliases=("阳性项数",),
            ),
            _flag_column(SCL_FLAGS, "阳性、阴性"),
            RISKS,
        ],
        (*(f for f, _h in SCL_FACTORS), "total", "positive_items"),
        ("阳性", "阴性"),
        frozenset({"阳性"}),
    ),
}
SHEET_TITLES = {Instrument.UPI: "UPI普测", Instrument.SCL90: "SCL-90普测"}


def columns(instrument: str) -> Sequence[Column]:
    return SPECS[instrument].columns

"""A campaign of the shipped seed 003 checklist issued by 陈处长 (chen, 学生处) at NOW to the
college C01 (answered by its deputy secretary 李书记, li; her superior is 王院长, wang) and to
教务处 JWC (answered by its head 焦处长, jiao), due three days later at 17:00."""

from datetime import timedelta

import pytest

from shouwang.campaigns import services
from shouwang.campaigns.checklists import checklist_items
from tests.incidents.conftest import NOW, campus  # noqa: F401  (re-exported as a fixture)

DUE = NOW + timedelta(days=3, hours=7)  # 2026-11-27 17:00
ITEMS = [i["title"] for i in checklist_items("seed_003")]


def issue(w, *, now=NOW, **over):
    fields = {
        "title": "2026年秋季风险隐患大排查",
        "issuer_unit": "XSC",
        "units": ["C01", "JWC"],
        "items": ITEMS,
        "due_at": DUE,
        "template": "seed_003",
    }
    fields.update(over)
    return services.campaign_create(actor=w.chen, now=now, **fields)


@pytest.fixture
def campaign(campus):  # noqa: F811
    return issue(campus)


def answers_for(campaign, problems=None):
    """Every item answered 'no problem', except {item title: (description, measure)}."""
    problems = problems or {}
    out = {}
    for item in campaign.items.all():
        if item.title in problems:
            description, measure = problems[item.title]
            out[str(item.pk)] = {
                "has_problem": True,
                "description": description,
                "measure": measure,
            }
        else:
            out[str(item.pk)] = {"has_problem": False}
    return out

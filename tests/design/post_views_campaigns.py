"""The hazard campaign pages that accept POST (issue 16 item 5), for the design table in
test_post_views.py: issuing (学生处/保卫处 only), closing (the issuing office) and a unit's answer
(its responsible post only: anyone else, the issuer included, gets 404)."""

import datetime

from django.utils import timezone

from shouwang.campaigns.checklists import checklist_items
from shouwang.campaigns.services import campaign_create

ITEMS = [i["title"] for i in checklist_items("seed_003")]


def _due():
    return timezone.now() + datetime.timedelta(days=3)


def _campaign(w):
    """学生处 (陈处长) asks 计算机学院 (answered by 李书记) and 教务处 (焦处长)."""
    return campaign_create(
        actor=w.chen,
        title="风险隐患大排查",
        issuer_unit="XSC",
        units=["C01", "JWC"],
        items=ITEMS,
        due_at=_due(),
    )


def _new_form(w):
    return {
        "title": "风险隐患大排查",
        "issuer_unit": "XSC",
        "due_at": timezone.localtime(_due()).strftime("%Y-%m-%dT%H:%M"),
        "fix_days": "14",
        "template": "seed_003",
        "items": "\n".join(ITEMS),
        "units": ["C01", "JWC"],
    }


def _answer(w):
    campaign = _campaign(w)
    data = {f"item_{i.pk}": "no" for i in campaign.items.all()}
    first = campaign.items.first()
    data[f"item_{first.pk}"] = "yes"
    data[f"description_{first.pk}"] = "门卫登记不全"
    data[f"measure_{first.pk}"] = "已补充登记制度"
    return {"pk": campaign.pk, "code": "C01"}, data


def rows(PostView, POST_ONLY, FORM_PAGE):
    return {
        "campaign_new": PostView(
            setup=lambda w: ({}, _new_form(w)),
            allowed="chen",
            wrong=FORM_PAGE,
            refused=("li", "zhang", "liu"),
        ),
        "campaign_close": PostView(
            setup=lambda w: ({"pk": _campaign(w).pk}, {}),
            allowed="chen",
            wrong=POST_ONLY,
            refused=("li", "zhang", "jiao"),
        ),
        "campaign_unit": PostView(
            setup=_answer,
            allowed="li",
            wrong=FORM_PAGE,
            # The issuer, the college's head and a counsellor do not answer for the college.
            refused=("chen", "wang", "zhang", "jiao"),
        ),
    }

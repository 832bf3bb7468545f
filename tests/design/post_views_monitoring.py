"""POST views of monitoring (the dorm round, the rules editor, gate-export formats)."""

from shouwang.monitoring.services import rule_save


def _rule(w):
    rule = rule_save(
        actor=w.chen,
        kind="night_absence",
        name="夜不归宿",
        category="night_absence",
        severity="general",
        cutoff="22:30",
    )
    return {"pk": rule.pk}, {
        "name": "夜不归宿（22:45）",
        "category": "night_absence",
        "severity": "general",
        "cutoff": "22:45",
        "is_active": "on",
    }


def rows(PostView, POST_ONLY, FORM_PAGE) -> dict:
    return {
        "monitoring_round_mark": PostView(
            setup=lambda w: ({"student_no": "2024010101"}, {"status": "present"}),
            allowed="liu",  # 宿舍长 of 张三's room
            wrong=POST_ONLY,
            refused=("zhao", "nobody"),
        ),
        "monitoring_rules": PostView(
            setup=lambda w: (
                {},
                {
                    "kind": "night_absence",
                    "name": "夜不归宿",
                    "category": "night_absence",
                    "severity": "general",
                    "cutoff": "22:30",
                    "is_active": "on",
                },
            ),
            allowed="chen",
            wrong=FORM_PAGE,
            refused=("zhang", "liu"),
        ),
        "monitoring_rule_edit": PostView(
            setup=_rule, allowed="chen", wrong=FORM_PAGE, refused=("zhang", "liu")
        ),
        "monitoring_imports": PostView(
            setup=lambda w: (
                {},
                {
                    "action": "vendor",
                    "name": "海康",
                    "col_student_no": "人员编号",
                    "col_time": "通行时间",
                    "in_words": "进",
                    "out_words": "出",
                },
            ),
            allowed="chen",
            wrong=FORM_PAGE,
            refused=("zhang", "liu"),
        ),
    }

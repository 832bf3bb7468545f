"""The built-in library: every plan loads and validates, and each stays faithful to its seed.
Plain unit tests: no database."""

import pytest

from shouwang.plans.loading import builtin_plans, library_dir, parse_plan, plan_decision, plan_steps

PLANS = {p["id"]: p for p in builtin_plans()}

# seed 002 五、应急处置工作程序: one decision point per sub-procedure, with exactly the options the
# text lists for it, sub-procedure by sub-procedure.
EXAM_DECISIONS = {
    # 1. 自然灾害: the text prescribes one course of action and lists no alternatives.
    "natural_disaster": ["妥善疏散、安置考生，配合地方政府帮助考生解决食、宿、交通等问题"],
    # 2. 传染病: 实行考点隔离、人员隔离或采取地方政府、卫生防疫部门要求的其他措施
    "epidemic": ["实行考点隔离", "实行人员隔离", "采取地方政府、卫生防疫部门要求的其他措施"],
    # 3. 试卷不能按时运抵或大量考生无法按时到达
    "papers_or_candidates_late": [
        "该次考试延时",
        "保留该批学生该次考试资格，顺延至下次考试时，免费参加该科目考试",
        "该批学生该次考试资格作废",
    ],
    # 4. 命题过程中泄密
    "leak_setting": ["启用第二套备用试题", "重新命题，另外安排考试时间"],
    # 4. 印制、运输或保管期间泄密
    "leak_printing": [
        "启用备用试题重新印制，考试照常举行",
        "重新命题，另外安排考试时间",
        "已考科目成绩无效",
    ],
    # 5. 集体作弊、考场秩序失控、集体罢考
    "collective_disorder": ["终止该场考试"],
    # 5. 集体闹事、殴打学校工作人员、损毁公共财产
    "staff_assaulted": ["终止该场考试", "报警"],
    # 6. 试卷科目、数量不符或缺页、漏印、重影、损坏
    "wrong_papers": ["启用、复印备用试卷，补足考生因此而耽误的考试时间"],
    # 6. 试题错误、听力内容错误、语音介质或设备故障
    "question_or_listening_error": ["在更正前交卷的考生试卷上需更正的题目旁边注明“更正前交卷”字样"],
    # 7. 区域大面积停电（请示上级主管部门后）
    "power_cut": ["该次考试延时", "保留该批学生该次考试资格，另找时间举行该科目考试"],
    # 7. 考试机故障: 备份机，是否补足耽误的时间由实际情况决定
    "exam_computer_failure": [
        "安排考生在备份机上进行考试，补足考生因此而耽误的考试时间",
        "安排考生在备份机上进行考试，无需补时",
    ],
    # 7. 局域网故障（请示上级主管部门后）
    "lan_failure": ["该次考试延时", "保留该批学生该次考试资格，另找时间举行该科目考试"],
}

# seed 002 四、级别划分
EXAM_LEVEL_I = {
    "natural_disaster",
    "violence",
    "epidemic",
    "papers_or_candidates_late",
    "leak_setting",
    "leak_printing",
    "collective_disorder",
    "staff_assaulted",
    "other_major",
}
EXAM_LEVEL_II = {
    "wrong_papers",
    "question_error",
    "listening_fault",
    "power_cut",
    "exam_computer_failure",
    "lan_failure",
    "other_general",
}


def test_every_library_file_loads_with_its_stem_as_id():
    stems = sorted(p.stem for p in library_dir().glob("*.yaml"))
    assert (
        stems
        == sorted(PLANS)
        == sorted(
            [
                "campus_stability",
                "group_fight",
                "large_event_accident",
                "exam_security",
                "harmful_postings",
                "bullying_opinion",
                "psych_crisis",
            ]
        )
    )
    assert [p["id"] for p in builtin_plans()] == sorted(PLANS)  # sorted by id


@pytest.mark.parametrize("path", sorted(library_dir().glob("*.yaml")), ids=lambda p: p.stem)
def test_each_file_validates_on_its_own(path):
    plan = parse_plan(path.read_text(encoding="utf-8"), path.name)
    assert plan["id"] == path.stem
    assert [lv["code"] for lv in plan["levels"]] in (
        ["I", "II"],
        ["I", "II", "III"],
        ["I", "II", "III", "IV"],
    )
    assert any(m["position"] == "head" for m in plan["command_group"])
    step_ids = [s["id"] for ph in plan["phases"] for s in ph["steps"]]
    assert len(step_ids) == len(set(step_ids))
    # Every level has work to do, and every event type has a step list.
    for level in plan["levels"]:
        assert plan_steps(plan, level["code"])
    for event_type in plan.get("event_types", []):
        assert plan_steps(
            plan, event_type.get("level", plan["levels"][0]["code"]), event_type["code"]
        )


def test_exam_sub_procedures_have_exactly_the_seeds_decision_options():
    exam = PLANS["exam_security"]
    decisions = {d["id"]: d for d in exam["decisions"]}
    assert list(decisions) == list(EXAM_DECISIONS)  # one per sub-procedure, in the seed's order
    for decision_id, options in EXAM_DECISIONS.items():
        assert decisions[decision_id]["options"] == options, decision_id
    printing = plan_decision(exam, "leak_printing")
    assert "启用备用试题重新印制，考试照常举行" in printing["options"]
    assert printing["authority"] == "head" and not printing.get(
        "free_text", False
    )  # 组长 records it


def test_each_exam_decision_belongs_to_its_event_types():
    exam = PLANS["exam_security"]
    assert plan_decision(exam, "question_or_listening_error")["event_types"] == [
        "question_error",
        "listening_fault",
    ]
    for decision_id in set(EXAM_DECISIONS) - {"question_or_listening_error"}:
        assert plan_decision(exam, decision_id)["event_types"] == [decision_id]


def test_exam_level_one_and_two_event_lists():
    exam = PLANS["exam_security"]
    assert [(lv["code"], lv["name"]) for lv in exam["levels"]] == [
        ("I", "Ⅰ级事件"),
        ("II", "Ⅱ级事件"),
    ]
    levels = {t["code"]: t["level"] for t in exam["event_types"]}
    assert {c for c, lv in levels.items() if lv == "I"} == EXAM_LEVEL_I
    assert {c for c, lv in levels.items() if lv == "II"} == EXAM_LEVEL_II
    names = {t["code"]: t["name"] for t in exam["event_types"]}
    assert "泄密" in names["leak_printing"] and "停电" in names["power_cut"]


def test_exam_leak_steps_and_report_to_the_exam_authority():
    exam = PLANS["exam_security"]
    leak = [s["id"] for s in plan_steps(exam, "I", "leak_printing")]
    assert {"protect_scene", "report_leak", "assist_investigation"} <= set(leak)
    assert "backup_power" not in leak  # another sub-procedure's step
    assert "backup_power" in {s["id"] for s in plan_steps(exam, "II", "power_cut")}
    [report] = exam["external_reports"]
    assert "上级主管部门" in report["recipient"] and report["due_minutes"] <= 30
    # The office (教务处) does the daily work of the group.
    office = next(m for m in exam["command_group"] if m["position"] == "office")
    assert office["at"] == "office:academic"


def test_campus_stability_covers_the_seeds_incident_kinds():
    plan = PLANS["campus_stability"]
    names = {t["name"] for t in plan["event_types"]}
    assert names == {"群体性上访", "请愿", "非法集会", "罢课", "罢餐", "游行", "示威", "静坐"}
    assert [lv["name"] for lv in plan["levels"]] == ["特别重大", "重大", "较大", "一般"]
    office = next(m for m in plan["command_group"] if m["position"] == "office")
    assert office["at"] == "office:student_affairs"  # 办公室设在学生工作部


def test_group_fight_has_police_and_hospital_decisions():
    fight = PLANS["group_fight"]
    assert any("警力支援" in o for o in plan_decision(fight, "police_support")["options"])
    assert any("医院" in o for o in plan_decision(fight, "hospital")["options"])
    ids = {s["id"] for s in plan_steps(fight, "IV")}
    assert {"stop_fight", "medical_aid", "investigate"} <= ids


def test_large_event_accident_types():
    plan = PLANS["large_event_accident"]
    names = {t["name"] for t in plan["event_types"]}
    assert {"建筑倒塌", "火灾", "水灾", "爆炸", "危险品污染", "拥挤踩踏"} <= names
    assert plan_decision(plan, "police_support") and plan_decision(plan, "hospital")


def test_harmful_postings_remove_by_the_office_and_educate_at_the_posters_unit():
    plan = PLANS["harmful_postings"]
    steps = {s["id"]: s for s in plan_steps(plan, "IV")}
    assert steps["remove_physical"]["responsible"]["at"] == "office:security"
    assert steps["remove_online"]["responsible"]["at"] == "office:network"
    assert steps["educate_poster"]["responsible"] == {"roles": ["counsellor"], "at": "class"}
    # A banner is taken down by security, an online post by the network centre.
    assert "remove_online" not in {s["id"] for s in plan_steps(plan, "IV", "banner")}
    assert "remove_physical" not in {s["id"] for s in plan_steps(plan, "IV", "online_post")}


def test_bullying_plan_has_opinion_monitoring_release_and_family_communication():
    plan = PLANS["bullying_opinion"]
    steps = {s["id"]: s for s in plan_steps(plan, "I", "bullying_video_spread")}
    assert {"opinion_monitoring", "unified_release", "family_communication", "investigate"} <= set(
        steps
    )
    assert steps["opinion_monitoring"]["responsible"]["at"] == "office:publicity"
    assert steps["unified_release"]["responsible"]["at"] == "office:publicity"
    assert steps["family_communication"]["responsible"]["roles"] == ["counsellor"]


def test_psych_crisis_has_three_tiers_with_their_own_steps():
    psych = PLANS["psych_crisis"]
    assert [(lv["code"], lv["name"]) for lv in psych["levels"]] == [
        ("I", "患有严重心理障碍或精神分裂症并已确诊"),
        ("II", "严重心理危机"),
        ("III", "一般心理危机"),
    ]
    tier = {code: {s["id"] for s in plan_steps(psych, code)} for code in ("I", "II", "III")}
    assert {"full_custody", "transfer_responsibility", "send_for_treatment"} <= tier["I"]
    assert {"notify_parents", "refer_treatment", "close_follow_up"} <= tier["II"]
    assert {"class_record", "regular_counselling"} <= tier["III"]
    assert "transfer_responsibility" not in tier["III"] and "class_record" not in tier["I"]
    assert "办理休学手续，回家休养治疗" in plan_decision(psych, "leave_of_absence")["options"]

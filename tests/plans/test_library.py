"""The built-in library: every plan loads and validates, and each stays faithful to its seed."""

import pytest

from shouwang.plans.loading import builtin_plans, library_dir, plan_decision, plan_steps

PLANS = {p["id"]: p for p in builtin_plans()}

# seed 002 §五: each sub-procedure and exactly the decisions the text lists for it.
EXAM_DECISIONS = {
    "natural_disaster": ["妥善疏散、安置考生，配合地方政府解决食、宿、交通等问题"],
    "epidemic": ["实行考点隔离", "实行人员隔离", "采取地方政府、卫生防疫部门要求的其他措施"],
    "papers_or_candidates_late": ["该次考试延时", "保留该批学生该次考试资格，顺延至下次考试时，免费参加该科目考试",
                                  "该批学生该次考试资格作废"],
    "leak_setting": ["启用第二套备用试题", "重新命题，另外安排考试时间"],
    "leak_printing": ["启用备用试题重新印制，考试照常举行", "重新命题，另外安排考试时间", "已考科目成绩无效"],
    "collective_disorder": ["终止该场考试"],
    "staff_assaulted": ["终止该场考试", "报警"],
    "wrong_papers": ["启用、复印备用试卷，补足考生耽误的考试时间"],
    "question_or_listening_error": ['在更正前交卷的试卷上注明"更正前交卷"'],
    "power_cut": ["该次考试延时", "保留该批学生该次考试资格，另找时间举行该科目考试"],
    "exam_computer_failure": ["安排考生在备份机上考试，补足耽误的考试时间", "安排考生在备份机上考试，无需补时"],
    "lan_failure": ["该次考试延时", "保留该批学生该次考试资格，另找时间举行该科目考试"],
}


def test_every_library_file_loads_with_its_stem_as_id():
    stems = sorted(p.stem for p in library_dir().glob("*.yaml"))
    assert stems == sorted(PLANS) == sorted([
        "campus_stability", "group_fight", "large_event_accident", "exam_security", "harmful_postings",
        "bullying_opinion", "psych_crisis"])


def test_exam_sub_procedures_have_exactly_the_seeds_decision_options():
    exam = PLANS["exam_security"]
    assert {d["id"]: d["options"] for d in exam["decisions"]} == EXAM_DECISIONS


def test_exam_level_one_and_two_event_lists():
    levels = {t["code"]: t["level"] for t in PLANS["exam_security"]["event_types"]}
    assert {c for c, lv in levels.items() if lv == "I"} == {
        "natural_disaster", "violence", "epidemic", "papers_or_candidates_late", "leak_setting", "leak_printing",
        "collective_disorder", "staff_assaulted", "other_major"}
    assert {c for c, lv in levels.items() if lv == "II"} == {
        "wrong_papers", "question_error", "listening_fault", "power_cut", "exam_computer_failure", "lan_failure",
        "other_general"}
    # The printing leak is decided by the group head (组长).
    assert plan_decision(PLANS["exam_security"], "leak_printing")["authority"] == "head"


def test_campus_stability_covers_the_seeds_incident_kinds():
    names = {t["name"] for t in PLANS["campus_stability"]["event_types"]}
    assert names == {"群体性上访", "请愿", "非法集会", "罢课", "罢餐", "游行", "示威", "静坐"}


def test_group_fight_has_police_and_hospital_decisions():
    fight = PLANS["group_fight"]
    assert any("警力支援" in o for o in plan_decision(fight, "police_support")["options"])
    assert any("医院" in o for o in plan_decision(fight, "hospital")["options"])


def test_large_event_accident_types():
    names = {t["name"] for t in PLANS["large_event_accident"]["event_types"]}
    assert {"建筑倒塌", "火灾", "水灾", "爆炸", "危险品污染", "拥挤踩踏"} <= names


def test_harmful_postings_remove_by_the_office_and_educate_at_the_posters_unit():
    steps = {s["id"]: s for s in plan_steps(PLANS["harmful_postings"], "IV")}
    assert steps["remove_physical"]["responsible"]["at"] == "office:security"
    assert steps["remove_online"]["responsible"]["at"] == "office:network"
    assert steps["educate_poster"]["responsible"] == {"roles": ["counsellor"], "at": "class"}


def test_bullying_plan_has_opinion_monitoring_release_and_family_communication():
    ids = {s["id"] for s in plan_steps(PLANS["bullying_opinion"], "I", "bullying_video_spread")}
    assert {"opinion_monitoring", "unified_release", "family_communication"} <= ids


def test_psych_crisis_has_three_tiers_with_their_own_steps():
    psych = PLANS["psych_crisis"]
    assert [lv["code"] for lv in psych["levels"]] == ["I", "II", "III"]
    assert "transfer_responsibility" in {s["id"] for s in plan_steps(psych, "I")}
    assert "class_record" in {s["id"] for s in plan_steps(psych, "III")}
    assert "transfer_responsibility" not in {s["id"] for s in plan_steps(psych, "III")}


@pytest.mark.django_db
def test_migrate_loads_the_library_as_built_in_plans_and_keeps_versions():
    from shouwang.plans.models import Plan
    from shouwang.plans.services import builtin_plans_sync

    assert set(Plan.objects.filter(is_builtin=True).values_list("code", flat=True)) == set(PLANS)
    builtin_plans_sync()  # unchanged files add no version
    assert all(p.versions.count() == 1 for p in Plan.objects.filter(is_builtin=True))

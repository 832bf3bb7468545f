import pytest
from django.http import Http404

from shouwang.org import selectors


def nos(qs):
    return sorted(s.student_no for s in qs)


def test_counsellor_sees_own_class_only(school):
    assert nos(selectors.students_visible(school.zhang)) == ["2024010101", "2024010102"]
    assert selectors.student_get(school.zhang, "2024010101") == school.zhangsan
    with pytest.raises(Http404):
        selectors.student_get(school.zhang, "2024010201")


def test_college_leader_sees_whole_college(school):
    assert nos(selectors.students_visible(school.li)) == ["2024010101", "2024010102", "2024010201"]


def test_student_affairs_sees_whole_school_through_school_wide_role(school):
    assert nos(selectors.students_visible(school.chen)) == [
        "2024010101",
        "2024010102",
        "2024010201",
    ]


def test_dorm_head_sees_room_residents_only(school):
    assert nos(selectors.students_visible(school.liu)) == ["2024010101"]


def test_person_without_post_sees_nothing(school):
    assert nos(selectors.students_visible(school.nobody)) == []
    assert selectors.student_search(school.nobody, "张").count() == 0


def test_ended_post_no_longer_gives_access(school):
    import datetime

    post = school.zhang.posts.get()
    post.until = datetime.date(2025, 1, 1)
    post.save()
    assert nos(selectors.students_visible(school.zhang)) == []


def test_search_by_number_prefix_and_name_is_scoped(school):
    assert nos(selectors.student_search(school.zhang, "20240102")) == []
    assert nos(selectors.student_search(school.li, "20240102")) == ["2024010201"]
    assert nos(selectors.student_search(school.zhang, "李")) == []
    assert nos(selectors.student_search(school.zhang, "张三")) == ["2024010101"]
    assert nos(selectors.student_search(school.zhang, "")) == []


def test_unit_outside_scope_is_404(school):
    with pytest.raises(Http404):
        selectors.unit_get(school.zhang, "C01-2024-2")
    assert selectors.unit_get(school.zhang, "C01-2024-1") == school.class_a


def test_gaps_list_units_missing_required_roles(school):
    gaps = {u.code: sorted(r.code for r in roles) for u, roles in selectors.unit_gaps(school.admin)}
    # class A has counsellor and class teacher but no information or safety officer
    assert gaps["C01-2024-1"] == ["info_officer", "safety_officer"]
    assert gaps["C01-2024-2"] == ["class_teacher", "info_officer", "safety_officer"]
    assert "D01-101" not in gaps and gaps["D01-102"] == ["dorm_head"]
    assert gaps["SCH"] == ["school_leader"]
    assert "C01" not in gaps
    # a counsellor sees only the gaps of their own subtree
    assert [u.code for u, _ in selectors.unit_gaps(school.zhang)] == ["C01-2024-1"]

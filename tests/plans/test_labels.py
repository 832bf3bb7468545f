"""Plan posts in words: role names and the level or office where they are held, not codes."""

import pytest
from django.utils.translation import gettext, override

from shouwang.org.models import Unit
from shouwang.plans.selectors import PostLabels, command_group_lines

pytestmark = pytest.mark.django_db


def test_posts_are_named_by_role_and_place(school):
    Unit.objects.create(
        code="BWC", name="保卫处", kind="office", parent=school.sch, function="security"
    )
    with override("zh-hans"):
        label = PostLabels()
        at = gettext("%(roles)s at %(at)s")
        assert label(["counsellor", "class_teacher"], "class") == at % {
            "roles": "辅导员/班主任",
            "at": "班级",
        }
        assert label(["leader"], "office:student_affairs") == at % {
            "roles": "负责人",
            "at": "学生处",
        }
        assert (
            label(["security_officer"], "office:security") == "保卫处工作人员"
        )  # the name says where
        assert label.described("deputy_secretary@college") == at % {
            "roles": "分管学生工作副书记",
            "at": "学院",
        }
        assert label.described("activator") == "activator"  # not a recorded post: as it is
        lines = command_group_lines(
            {
                "command_group": [
                    {
                        "position": "head",
                        "title": "组长",
                        "roles": ["school_leader"],
                        "at": "school",
                    }
                ]
            }
        )
    assert lines == [{"title": "组长", "post": at % {"roles": "校领导", "at": "学校"}}]

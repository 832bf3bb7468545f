"""Who records talks, who keeps the semester calendar."""

from shouwang.org.models import Post
from shouwang.org.permissions import can_manage_org, may_see_contacts


def _person(user) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and getattr(user, "pk", None) is not None
        and user.is_active
    )


def can_record_talks(user) -> bool:
    """Staff who talk with students and their parents: a current post ranked at least the class
    teacher's (班主任, 辅导员 and up). Student cadres never; an integration token never."""
    return _person(user) and may_see_contacts(user)


def can_edit_semesters(user) -> bool:
    """学生处 keeps the calendar (the org managers: 学生处 staff, school leaders)."""
    return _person(user) and can_manage_org(user)


def is_holder_of_posts(user) -> bool:
    return _person(user) and Post.objects.current().filter(person=user).exists()

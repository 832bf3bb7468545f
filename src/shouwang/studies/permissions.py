"""Who may do what with attendance, grades and their rules."""

from shouwang.org.models import Post
from shouwang.org.permissions import from_counsellor_up, may_see_contacts
from shouwang.org.scope import scope_for

# 学生处 sets the rules; 学生处 and 教务处 bring in the academic office's files.
RULE_EDITORS = ("student_affairs_officer", "school_leader")
IMPORTERS = ("student_affairs_officer", "academic_officer", "school_leader")


def _has_role(user, roles) -> bool:
    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return False
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Post.objects.current().filter(person=user, role__code__in=roles).exists()


def can_edit_rules(user) -> bool:
    return _has_role(user, RULE_EDITORS)


def can_import(user) -> bool:
    return _has_role(user, IMPORTERS)


def can_record_contact(user, student) -> bool:
    """The counsellor and those above them who have the student in scope."""
    return from_counsellor_up(user) and scope_for(user).contains_path(student.klass.path)


def can_see_studies(viewer) -> bool:
    """Warnings and truancy are about a student's record: staff from the class teacher up, in
    their scope; never a student cadre (信息员, 安全员) of the same class."""
    return may_see_contacts(viewer)

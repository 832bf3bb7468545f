"""Who approves, who may see a leave, who closes it (销假)."""

from shouwang.org.models import Post, Role
from shouwang.org.permissions import is_student_cadre_only, student_of
from shouwang.org.scope import root_path, scope_for


def _ancestors(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def role_holders(student, role: str) -> list:
    """Who holds `role` for the student now: at the student's class or an ancestor unit, or
    school-wide anywhere in the student's school (学生处)."""
    class_path = student.klass.path
    posts = Post.objects.current().filter(role__code=role).select_related("person", "role")
    own = posts.filter(unit__path__in=_ancestors(class_path), role__school_wide=False)
    wide = posts.filter(unit__path__startswith=root_path(class_path), role__school_wide=True)
    people = {p.person_id: p.person for p in [*own, *wide] if p.person.is_active}
    return list(people.values())


def may_decide(viewer, leave) -> bool:
    """The holder of the step waiting, never the student themselves."""
    if not getattr(viewer, "is_authenticated", False) or getattr(viewer, "pk", None) is None:
        return False
    if leave.student.user_id == viewer.pk or leave.state != leave.State.PENDING:
        return False
    if viewer.is_superuser:
        return True
    return any(p.pk == viewer.pk for p in role_holders(leave.student, leave.step_role))


def may_close(viewer, leave) -> bool:
    """销假 by hand: the first approver of the chain (the counsellor) or an administrator."""
    if not getattr(viewer, "is_authenticated", False) or getattr(viewer, "pk", None) is None:
        return False
    if leave.student.user_id == viewer.pk or leave.state != leave.State.APPROVED:
        return False
    if viewer.is_superuser:
        return True
    first = (leave.chain or ["counsellor"])[0]
    return any(p.pk == viewer.pk for p in role_holders(leave.student, first))


def may_see(viewer, leave) -> bool:
    """The student themselves; staff whose scope holds the student's class (never a student
    cadre: a 信息员 does not read classmates' leave)."""
    student = student_of(viewer)
    if student is not None or is_student_cadre_only(viewer):
        # A student, cadre or not, sees their own leave and nobody else's.
        return student is not None and student.pk == leave.student_id
    return scope_for(viewer).contains_path(leave.student.klass.path)


def role_label(code: str) -> str:
    """A role's name in the viewer's language (辅导员), or its code if it is gone."""
    role = Role.objects.filter(code=code).first()
    return role.label if role else code

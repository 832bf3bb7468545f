"""Who may change the organisation. Reads are governed by scope.py; writes by these rules."""

from .models import Post, Role, Student

# Roles whose holders maintain the register and the posts for the whole school.
ORG_MANAGER_ROLES = ("student_affairs_officer", "school_leader")


# Who changes a student's 学籍 status (休学, 复学 …): 学生处 and 教务处, never a counsellor.
STUDENT_STATUS_ROLES = ("student_affairs_officer", "academic_officer")


def can_set_student_status(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Post.objects.current().filter(person=user, role__code__in=STUDENT_STATUS_ROLES).exists()


def can_manage_org(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return Post.objects.current().filter(person=user, role__code__in=ORG_MANAGER_ROLES).exists()


# Student cadres: students themselves, holding a post in their class or room. They see the reports
# they filed and their own inbox, never another student's care or contact data, never an
# incident's board (issue 18, item 1).
STUDENT_CADRE_ROLES = ("dorm_head", "info_officer", "safety_officer", "covert_observer")


def is_student_cadre_only(viewer) -> bool:
    """A person whose every current post is a student cadre's (no staff post besides)."""
    if not getattr(viewer, "is_authenticated", False) or getattr(viewer, "pk", None) is None:
        return False
    if viewer.is_superuser:
        return False
    cached = getattr(viewer, "_shouwang_cadre_only", None)
    if cached is None:
        roles = set(
            Post.objects.current().filter(person=viewer).values_list("role__code", flat=True)
        )
        cached = bool(roles) and roles <= set(STUDENT_CADRE_ROLES)
        viewer._shouwang_cadre_only = cached
    return cached


# Need to know: phone numbers of students and their guardians are for staff who contact them
# (班主任, 辅导员 and up, the offices), not for student cadres (宿舍长, 信息员, 安全员) who see
# their roommates and classmates in the register.
CONTACTS_FROM_ROLE = "class_teacher"


def may_see_contacts(viewer) -> bool:
    """People: a current post ranked at least CONTACTS_FROM_ROLE's. Integration tokens with
    students.read were granted the register by the office, contacts included."""
    if not getattr(viewer, "is_authenticated", False):
        return False
    if (
        getattr(viewer, "pk", None) is None
    ):  # a token principal: students.read is checked by the caller
        return True
    if viewer.is_superuser:
        return True
    rank = Role.objects.filter(code=CONTACTS_FROM_ROLE).values_list("rank", flat=True).first() or 30
    return Post.objects.current().filter(person=viewer, role__rank__gte=rank).exists()


COVERT_ROLE = "covert_observer"
COVERT_KNOWN_FROM_ROLE = "counsellor"


def from_counsellor_up(user) -> bool:
    """A current post ranked at least the counsellor's (or a superuser); never a token.

    Counsellors and above know who a covert observer (隐形安全员) is (R-ORG-6): nobody below
    them, no student cadre and no integration token may tell, on any page or in the API. The
    same people read reports of sensitive categories (mental health …) they were not asked about."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_shouwang_sees_covert", None)
    if cached is None:
        rank = (
            Role.objects.filter(code=COVERT_KNOWN_FROM_ROLE).values_list("rank", flat=True).first()
            or 40
        )
        cached = Post.objects.current().filter(person=user, role__rank__gte=rank).exists()
        user._shouwang_sees_covert = cached
    return cached


sees_covert_identity = from_counsellor_up


# Student accounts (issue 16, item 1): a User linked to a Student (Student.user). One with no
# current post sees only their own pages (/me/, web.student.StudentOnlyMiddleware); a student
# cadre keeps their post's scope besides.
def student_of(user):
    """The Student whose account this is, or None (cached on the user for the request)."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return None
    if not hasattr(user, "_shouwang_student"):
        from_db = Student.objects.filter(user_id=user.pk).select_related("klass").first()
        user._shouwang_student = from_db
    return user._shouwang_student


def is_student_only(user) -> bool:
    """A student's own account without any current post: only /me/ pages."""
    if student_of(user) is None or user.is_superuser:
        return False
    cached = getattr(user, "_shouwang_student_only", None)
    if cached is None:
        cached = not Post.objects.current().filter(person=user).exists()
        user._shouwang_student_only = cached
    return cached
